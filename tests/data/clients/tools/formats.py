# ruff: noqa: RUF001, E501 - labels in many scripts, one locale per line on purpose.
"""Each client's forward labels per language, as read from the clients' own localisation files.

Keys: ``sep`` the separator line's words, ``subject``/``date``/``from``/``to``/``cc`` the
header labels (without the colon unless the client's string holds it). Where each table was
read is in ../SOURCES.md; the tables are copied from those files, nothing here is guessed.
"""

from __future__ import annotations

# Thunderbird desktop: mail/chrome/messenger/mime.properties (1000 Subject, 1007 Date,
# 1009 From, 1012 To, 1013 CC) and messengercompose/composeMsgs.properties
# (mailnews.forward_header_originalmessage, mailnews.reply_header_ondateauthorwrote), from
# thunderbird/thunderbird-l10n. French labels end in a no-break space before the colon.
THUNDERBIRD: dict[str, dict[str, str]] = {}
_TB = """
en|-------- Forwarded Message --------|Subject|Date|From|To|On #2 #3, #1 wrote:
it|-------- Messaggio Inoltrato --------|Oggetto|Data|Mittente|A|Il #2 #3, #1 ha scritto:
fr|-------- Message transféré --------|Sujet\u00a0|Date\u00a0|De\u00a0|Pour\u00a0|Le #2 à #3, #1 a écrit\u00a0:
de|-------- Weitergeleitete Nachricht --------|Betreff|Datum|Von|An|Am #2 um #3 schrieb #1:
es|-------- Mensaje reenviado --------|Asunto|Fecha|De|Para|El #2 a las #3, #1 escribió:
pt|-------- Mensagem reencaminhada --------|Assunto|Data|De|Para|Às #3 de #2, #1 escreveu:
pt-BR|-------- Mensagem encaminhada --------|Assunto|Data|De|Para|Em #2 #3, #1 escreveu:
nl|-------- Doorgestuurd bericht --------|Onderwerp|Datum|Van|Aan|Op #2 om #3 schreef #1:
sv|-------- Vidarebefordrat meddelande --------|Ämne|Datum|Från|Till|Den #2 kl. #3, skrev #1:
da|-------- Videresendt meddelelse --------|Emne|Dato|Fra|Til|Den #2 kl. #3 skrev #1:
no|-------- Videresendt melding --------|Emne|Dato|Fra|Til|Den #2 #3, skrev #1:
fi|-------- Välitetty viesti / Fwd.Msg --------|Aihe|Päiväys|Lähettäjä|Vastaanottaja|#1 kirjoitti #2 klo #3:
pl|--- Treść przekazanej wiadomości ---|Temat|Data|Nadawca|Adresat|W dniu #2 o #3, #1 pisze:
cs|-------- Přeposlaná zpráva --------|Předmět|Datum|Od|Komu|Dne #2 v #3 #1 napsal(a):
ru|-------- Перенаправленное сообщение --------|Тема|Дата|От|Кому|#2 #3, #1 пишет:
tr|-------- İletilen İleti --------|Konu|Tarih|Kimden|Kime|#2 #3 tarihinde #1 yazdı:
hu|-------- Továbbított üzenet --------|Tárgy|Dátum|Feladó|Címzett|#2 #3 keltezéssel, #1 írta:
ro|-------- Mesaj redirecționat --------|Subiect|Dată|de la|Către|La #2 #3, #1 a scris:
ja|-------- Forwarded Message --------|Subject|Date|From|To|On #2 #3, #1 wrote:
hr|-------- Proslijeđena poruka --------|Naslov|Datum|Šalje|Prima|#2 u #3, #1 piše:
sk|-------- Preposlaná správa --- Forwarded Message --------|Predmet|Dátum|Od|Pre|Dňa #2 o #3 #1 napísal(a):
uk|-------- Переслане повідомлення --------|Тема|Дата|Від|Кому|#2 #3, #1:
et|-------- Edastatud kiri --------|Teema|Kuupäev|Saatja|Saaja|#2 #3 #1 kirjutas:
lv|-------- Pārsūtītā vēstule --------|Temats|Datums|No|Uz|#2 #3 #1 rakstīja:
lt|-------- Persiųstas laiškas --------|Tema|Data|Kas|Kam|#2 #3, #1 rašė:
sl|-------- Posredovano sporočilo --------|Zadeva|Datum|Od|Za|#1 je #2 ob #3 napisal:
bg|-------- Препратено писмо --------|Тема|Дата|От|До|На #2 в #3, #1 написа:
el|-------- Προωθημένο μήνυμα --------|Θέμα|Ημερομηνία|Από|Προς|Στις #2 #3, ο/η #1 έγραψε:
ca|-------- Missatge reenviat --------|Assumpte|Data|De|A|El #2 a les #3, #1 ha escrit:
ko|-------- 전달된 메시지 --------|제목|날짜|보낸 사람|받는 사람|#2 #3에 #1 이(가) 쓴 글:
zh-CN|-------- 转发的消息 --------|主题|日期|发件人|收件人|在 #2 #3, #1 写道:
zh-TW|-------- 轉寄郵件 --------|主旨|日期|從|到|#1 於 #2 #3 寫道:
ar|-------- رسالة ممرّرة --------|الموضوع|التاريخ|مِن|إلى|على #2 ‫#3، كتب #1:
he|-------- הודעה שהועברה --------|נושא|תאריך|מאת|אל|נכתב על ידי #1, ב־#2 בשעה #3:
"""
for _row in _TB.strip().splitlines():
    _lang, _sep, _subject, _date, _from, _to, _wrote = _row.split("|")
    THUNDERBIRD[_lang] = {
        "sep": _sep, "subject": _subject, "date": _date, "from": _from, "to": _to, "wrote": _wrote,
    }  # fmt: skip

# Roundcube Webmail: program/localization/<locale>/labels.inc keys originalmessage, subject,
# date, from, to (roundcube/roundcubemail); the header is written by
# program/actions/mail/compose.php get_forward_header(); date_long defaults to "Y-m-d H:i".
ROUNDCUBE: dict[str, dict[str, str]] = {}
_RC = """
en|Original Message|Subject|Date|From|To
it|Messaggio originale|Oggetto|Data|Mittente|Destinatario
fr|Courriel original|Objet|Date|De|À
de|Originalnachricht|Betreff|Datum|Von|An
es|Mensaje Original|Asunto|Fecha|De|Destinatario
pt|Mensagem original|Assunto|Data|De|Para
pt-BR|Mensagem original|Assunto|Data|De|Para
nl|Oorspronkelijke bericht|Onderwerp|Datum|Afzender|Ontvanger
sv|Ursprungligt meddelande|Ämne|Datum|Från|Mottagare
da|Original besked|Emne|Dato|Afsender|Modtager
no|Opprinnelig melding|Emne|Dato|Avsender|Mottaker
fi|Alkuperäinen viesti|Aihe|Päiväys|Lähettäjä|Vastaanottaja
pl|Wiadomość oryginalna|Temat|Data|Od|Do
cs|Původní zpráva|Předmět|Datum|Odesílatel|Adresát
ru|Исходное сообщение|Тема|Дата|От|Кому
tr|Özgün ileti|Konu|Tarih|Gönderici|Alıcı
hu|Eredeti üzenet|Tárgy|Dátum|Feladó|Címzett
ro|Mesaj original|Subiect|Data|Expeditor|Destinatar
ja|元のメッセージ|件名|日付|発信者|宛先
hr|Izvorna poruka|Naslov|Datum|Od|Za
sk|Pôvodná správa|Predmet|Dátum|Od|Komu
uk|Оригінальне повідомлення|Тема|Дата|Від кого|Кому
et|Esialgne kiri|Pealkiri|Kuupäev|Saatja|Saaja
lv|Sākotnējā vēstule|Temats|Datums|No|Kam
lt|Originalus laiškas|Tema|Data|Siuntėjas|Gavėjas
sl|Izvorno sporočilo|Zadeva|Datum|Od|Za
bg|Оригинално писмо|Заглавие|Дата|От|До
el|Αρχικό μήνυμα|Θέμα|Ημερομηνία|Αποστολέας|Παραλήπτης
ca|Missatge Original|Assumpte|Data|Remitent|Destinatari
ko|원본 메시지|제목|날짜|보낸 사람|받는 사람
zh-CN|原始邮件|主题|日期|发件人|收件人
zh-TW|原始郵件|主旨|日期|寄件者|收件者
ar|الرسالة الأساسية|الموضوع|التاريخ|المرسل|المستقبل
he|הודעה מקורית|נושא|תאריך|מאת|אל
"""
for _row in _RC.strip().splitlines():
    _lang, _sep, _subject, _date, _from, _to = _row.split("|")
    ROUNDCUBE[_lang] = {"sep": _sep, "subject": _subject, "date": _date, "from": _from, "to": _to}

# K-9 Mail / Thunderbird for Android: legacy/ui/legacy/src/main/res/values-*/strings.xml keys
# message_compose_quote_header_separator, _from, _send_date, _to, _subject (labels hold their
# colon); the order From, Sent, To, Cc, Subject is TextQuoteCreator.headerQuoteText();
# the date is java.text.DateFormat LONG/LONG in the device locale (QuoteDateFormatter).
K9: dict[str, dict[str, str]] = {}
_K9 = """
en|-------- Original Message --------|From:|Sent:|To:|Subject:
it|-------- Messaggio originale --------|Da:|Inviato il:|A:|Oggetto:
fr|-------- Courriel initial --------|De :|Envoyé :|À :|Objet :
de|-------- Ursprüngliche Nachricht --------|Von:|Gesendet:|An:|Betreff:
es|-------- correo original --------|De:|Enviado:|Para:|Asunto:
pt|-------- Mensagem Original --------|De:|Enviado:|Para:|Assunto:
pt-BR|-------- Mensagem original --------|De:|Enviado:|Para:|Assunto:
nl|-------- Origineel bericht --------|Van:|Verzonden:|Aan:|Onderwerp:
sv|-------- Originalmeddelande --------|Från:|Skickat:|Till:|Ämne:
da|-------- Original besked --------|Fra:|Sendt:|Til:|Emne:
no|-------- Original Melding --------|Fra:|Sendt:|Til:|Emne:
fi|-------- Alkuperäinen viesti --------|Lähettäjä:|Lähetetty:|Vastaanottaja:|Aihe:
pl|-------- Wiadomość oryginalna --------|Od:|Wysłane:|Do:|Temat:
cs|-------- Původní zpráva --------|Odesílatel:|Odesláno:|Komu:|Předmět:
ru|------ Исходное сообщение ------|От:|Отправлено:|Кому:|Тема:
tr|-------- Özgün İleti --------|Kimden:|Gönderilme:|Kime:|Konu:
hu|-------- Eredeti üzenet --------|Feladó:|Elküldve:|Címzett:|Tárgy:
ro|-------- Mesaj Original --------|De la:|Trimis:|La:|Subiect:
ja|-------- 元メール --------|差出人:|送信日:|宛先:|件名:
hr|-------- Originalna Poruka --------|Od:|Poslano:|Za:|Subject:
sk|-------- Pôvodná správa --------|Od:|Odoslané:|Komu:|Predmet:
uk|-------- Оригінальне Повідомлення --------|Від:|Надіслано:|Кому:|Тема:
et|-------- Algne kiri --------|Kellelt:|Saadetud:|Kellele:|Teema:
lv|-------- Sākotnējā ziņa --------|Kas:|Nosūtīts:|Kam:|Temats:
lt|-------- Originalus tekstas --------|Nuo:|Išsiųsta:|Kam:|Tema:
sl|-------- Izvirno sporočilo --------|Od:|Poslano:|Za:|Zadeva:
bg|-------- Оригинално Писмо --------|От:|Изпрати до:|До:|Тема:
el|-------- Πρωτότυπο μήνυμα --------|Από:|Αποστολή:|Προς:|Θέμα:
ca|-------- Missatge Original --------|De:|Enviat:|A:|Assumpte:
ko|-------- 원본 메시지 --------|보낸 사람:|보낸 날짜:|받는 사람:|제목:
zh-CN|-------- 原始邮件 --------|发件人：|发送时间：|收件人：|主题：
zh-TW|--------原始郵件--------|寄件者：|寄送日期:|收件者：|主旨：
ar|-------- الرسالة الأصلية --------|مِن :|المُرسل:|إلى :|الموضوع :
he|-------- הודעה מקורית --------|מאת:|נשלח:|אל:|נושא:
"""
for _row in _K9.strip().splitlines():
    _lang, _sep, _from, _date, _to, _subject = _row.split("|")
    K9[_lang] = {"sep": _sep, "from": _from, "date": _date, "to": _to, "subject": _subject}

# Babel locale names for the dates the clients print in each language.
BABEL_LOCALE = {"pt-BR": "pt_BR", "zh-CN": "zh_Hans_CN", "zh-TW": "zh_Hant_TW", "no": "nb"}
