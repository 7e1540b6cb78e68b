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

# Zimbra web client: ZmMsg_<locale>.properties (DASHES, from, to, sentAt, subject) in
# Zimbra/zm-web-client, AjxMsg_<locale>.properties (forwardedMessage) and I18nMsg_<locale>.properties
# (formatDateFull, formatTimeMedium, formatDateTime "{0} {1}", periodAm/Pm, month*Long,
# weekday*Long) in Zimbra/zm-ajax. Layout: ZmComposeView._getDivider/_getHeaders and
# ZmMailMsg.getHeaderStr (headers From, To, Cc, Sent, Subject; date FULL + MEDIUM time).
# Columns: lang|separator line|From|To|Sent|Subject|date pattern|AM|PM|months|weekdays (Mon first).
ZIMBRA: dict[str, dict[str, str]] = {}
_ZM = """
en|----- Forwarded Message -----|From|To|Sent|Subject|EEEE, MMMM d, yyyy h:mm:ss a|AM|PM|January February March April May June July August September October November December|Monday Tuesday Wednesday Thursday Friday Saturday Sunday
it|----- Messaggio inoltrato -----|Da|A|Inviato|Oggetto|EEEE, d MMMM yyyy H:mm:ss|AM|PM|gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre|Lunedì Martedì Mercoledì Giovedì Venerdì Sabato Domenica
fr|----- Mail transféré -----|De|À|Envoyé|Objet|EEEE d MMMM yyyy HH:mm:ss|AM|PM|Janvier Février Mars Avril Mai Juin Juillet Août Septembre Octobre Novembre Décembre|Lundi Mardi Mercredi Jeudi Vendredi Samedi Dimanche
de|----- Weitergeleitete Mail -----|Von|An|Gesendet|Betreff|EEEE, d. MMMM yyyy HH:mm:ss|AM|PM|Januar Februar März April Mai Juni Juli August September Oktober November Dezember|Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag
es|----- Mensaje reenviado -----|De|Para|Enviados|Asunto|EEEE, d 'de' MMMM yyyy H:mm:ss|AM|PM|Enero Febrero Marzo Abril Mayo Junio Julio Agosto Septiembre Octubre Noviembre Diciembre|Lunes Martes Miércoles Jueves Viernes Sábado Domingo
pt|----- Mensagem reencaminhada -----|De|Para|Itens enviados|Assunto|EEEE, d 'de' MMMM 'de' yyyy H:mm:ss|AM|PM|Janeiro Fevereiro Março Abril Maio Junho Julho Agosto Setembro Outubro Novembro Dezembro|Segunda-feira Terça-feira Quarta-feira Quinta-feira Sexta-feira Sábado Domingo
pt-BR|----- Mensagem encaminhada -----|De|Para|Enviadas|Assunto|EEEE, d 'de' MMMM 'de' yyyy H:mm:ss|AM|PM|janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro|Segunda-feira Terça-feira Quarta-feira Quinta-feira Sexta-feira Sábado Domingo
nl|----- Doorgestuurd bericht -----|Van|Aan|Verzonden|Onderwerp|EEEE d MMMM yyyy HH:mm:ss|AM|PM|januari februari maart april mei juni juli augustus september oktober november december|Maandag Dinsdag Woensdag Donderdag Vrijdag Zaterdag Zondag
sv|----- Vidarebefordrat meddelande -----|Från|Till|Skickat|Ämne|EEEE, d MMM yyyy H:mm:ss|fm|em|januari februari mars april maj juni juli augusti september oktober november december|måndag tisdag onsdag torsdag fredag lördag söndag
da|----- Videresendt meddelelse -----|Fra|Til|Sendt|Emne|EEEE, d. MMMM yyyy HH:mm:ss|AM|PM|januar februar marts april maj juni juli august september oktober november december|mandag tirsdag onsdag torsdag fredag lørdag søndag
no|----- Videresendt melding -----|Fra|Til|Sendt|Emne|EEEE, d. MMMM yyyy H:mm:ss|a.m.|p.m.|Januar Februar Mars April Mai Juni Juli August September Oktober November Desember|Mandag Tirsdag Onsdag Torsdag Fredag Lørdag Søndag
pl|----- Przekazana wiadomość -----|Od|Do|Wysłane|Temat|EEEE, d MMMM, yyyy H:mm:ss|rano|po południu|stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia|poniedziałek wtorek środa czwartek piątek sobota niedziela
ru|----- Пересланное сообщение -----|От|Кому|Отправленные|Тема|EEEE, d MMMM yyyy 'г' H:mm:ss|AM|PM|Январь Февраль Март Апрель Май Июнь Июль Август Сентябрь Октябрь Ноябрь Декабрь|Понедельник Вторник Среда Четверг Пятница Суббота Воскресенье
tr|----- İletilen Mesaj -----|Kimden|Kime|Gönderilenler|Konu|d MMMM EEEE yyyy H:mm:ss|AM|PM|Ocak Şubat Mart Nisan Mayıs Haziran Temmuz Ağustos Eylül Ekim Kasım Aralık|Pazartesi Salı Çarşamba Perşembe Cuma Cumartesi Pazar
hu|----- Továbbított üzenet -----|Feladó|Címzett|Elküldött üzenetek|Tárgy|EEEE, yyyy. MMMM d. H:mm:ss|de.|du.|január február március április május június július augusztus szeptember október november december|Hétfő Kedd Szerda Csütörtök Péntek Szombat Vasárnap
ro|----- Mesaj redirecţionat -----|De la|Către|Trimis|Subiect|EEEE, d MMMM, yyyy H:mm:ss|AM|PM|ianuarie februarie martie aprilie mai iunie iulie august septembrie octombrie noiembrie decembrie|luni marţi miercuri joi vineri sâmbătă duminică
ja|----- 転送メッセージ -----|差出人|宛先|送信済み|件名|yyyy年MMMMd日, EEEE a K:mm:ss|午前|午後|1月 2月 3月 4月 5月 6月 7月 8月 9月 10月 11月 12月|月曜日 火曜日 水曜日 木曜日 金曜日 土曜日 日曜日
hr|----- Proslijedi poruku -----|Šalje|Prima|Sent|Predmet|EEEE, d MMMM, yyyy HH:mm:ss|Prije podne|Poslije podne|Siječanj Veljača Ožujak Travanj Svibanj Lipanj Srpanj Kolovoz Rujan Listopad Studeni Prosinac|Ponedjeljak Utorak Srijeda Četvrtak Petak Subota Nedjelja
uk|----- Переслане повідомлення -----|Від|Кому|Надіслано|Тема|EEEE, d MMMM yyyy 'р' H:mm:ss|AM|PM|Січень Лютий Березень Квітень Травень Червень Липень Серпень Вересень Жовтень Листопад Грудень|Понеділок Вівторок Середа Четвер П’ятниця Субота Неділя
sl|----- Posredovano sporočilo -----|Od|Za|Poslano|Zadeva|EEEE, d. MMMM yyyy HH:mm:ss|dopoldan|popoldan|Januar Februar Marec April Maj Junij Julij Avgust September Oktober November December|Ponedeljek Torek Sreda Četrtek Petek Sobota Nedelja
ca|----- Missatge reenviat -----|De|A|Enviats|Assumpte|EEEE, d MMMM 'de' yyyy H:mm:ss|AM|p. m.|Gener Febrer Març Abril Maig Juny Juliol Agost Setembre Octubre Novembre Desembre|Dilluns Dimarts Dimecres Dijous Divendres Dissabte Diumenge
ko|----- 전달된 메시지 -----|보낸 사람|수신|보낸 시간|제목|yyyy년 MMMM d일, EEEE a h:mm:ss|오전|오후|1월 2월 3월 4월 5월 6월 7월 8월 9월 10월 11월 12월|월요일 화요일 수요일 목요일 금요일 토요일 일요일
zh-CN|----- 转发的邮件 -----|发件人|收件人|发送时间|主题|EEEE, yyyy年 MMMM dd日 a h:mm:ss|上午|下午|1_月 2_月 3_月 4_月 5_月 6_月 7_月 8_月 9_月 10_月 11_月 12_月|星期一 星期二 星期三 星期四 星期五 星期六 星期日
zh-TW|----- 轉寄的郵件 -----|寄件者|收件者|寄件備份|主旨|yyyy MMMM d EEEE a h:mm:ss|上午|下午|1_月 2_月 3_月 4_月 5_月 6_月 7_月 8_月 9_月 10_月 11_月 12_月|星期一 星期二 星期三 星期四 星期五 星期六 星期日
ar|----- الرسالة التي تمت إعادة توجيهها -----|من|To|المُرسل|الموضوع|EEEE d MMMM، yyyy h:mm:ss a|ص|م|يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر|الإثنين الثلاثاء الأربعاء الخميس الجمعة السبت الأحد
he|----- הודעה שהועברה -----|מאת|אל|נשלח|נושא|EEEE, d MMMM yyyy\u200f h:mm:ss a\u200f|לפנה"צ|אחה"צ|ינואר פברואר מרץ אפריל מאי יוני יולי אוגוסט ספטמבר אוקטובר נובמבר דצמבר|שני שלישי רביעי חמישי שישי שבת ראשון
"""
for _row in _ZM.strip().splitlines():
    _cols = _row.split("|")
    ZIMBRA[_cols[0]] = dict(
        zip(
            ("sep", "from", "to", "sent", "subject", "pattern", "am", "pm", "months", "weekdays"),
            _cols[1:],
            strict=True,
        )
    )

# SnappyMail (the-djmaze/snappymail): snappymail/v/0.0.0/app/localization/<lang>/user.json keys
# COMPOSE/FORWARD_MESSAGE_TOP_TITLE, GLOBAL/FROM, GLOBAL/TO, COMPOSE/FORWARD_MESSAGE_TOP_SENT,
# GLOBAL/SUBJECT; layout dev/View/Popup/Compose.js (ComposeType.Forward), date
# timestampToString(..., 'FULL') = Intl {dateStyle: 'long', timeStyle: 'short'} (dev/prototype.js).
# Columns: lang|separator|From|To|Sent|Subject. Norwegian is the "nb" folder, zh-CN the "zh" one.
SNAPPYMAIL: dict[str, dict[str, str]] = {}
_SM = """
en|-------- Forwarded message -------|From|To|Sent|Subject
it|------- Messaggio inoltrato -------|Da|A|Inviato il|Oggetto
fr|-------- Message transféré -------|De|À|Envoyé|Sujet
de|-------- Weitergeleitete Nachricht -------|Von|An|Gesendet|Betreff
es|-------- Mensaje reenviado -------|De|Para|Enviado|Asunto
pt|-------- Mensagem Encaminhada -------|De|Para|Enviado|Assunto
pt-BR|-------- Mensagem Encaminhada -------|De|Para|Recebida|Assunto
nl|-------- Doorgestuurd bericht -------|Van|Naar|Verzonden|Onderwerp
sv|-------- Vidarebefordrat -------|Från|Till|Skickat|Ämne
da|-------- Videresendt meddelelse -------|Fra|Til|Sendt|Emne
no|-------- Videresendt melding -------|Fra|Til|Sendt|Emne
fi|-------- Välitetty viesti -------|Lähettäjä|Vastaanottaja|Lähetetty|Aihe
pl|-------- Wiadomość przekazana -------|Od|Do|Wysłano|Temat
cs|-------- Přeposlaná zpráva -------|Odesílatel|Příjemce|Odeslat|Předmět
ru|-------- Пересланное сообщение -------|От|Кому|Отправлено|Тема
tr|-------- Yönlendirilmiş İleti -------|Kimden|Kime|Gönder|Konu
hu|-------- Továbbított üzenet -------|Feladó|Címzett|Elküldött levelek|Tárgy
ro|-------- Mesajul original -------|De la|către|Primit la|Subiect
ja|-------- 転送されたメッセージ -------|差出人|宛先|送信済み|件名
sk|-------- Preposlaná správa -------|Odosielateľ|Príjemca|Odoslať|Predmet
uk|-------- Переслане повідомлення -------|Від|Кому|Надіслано|Тема
et|-------- Edastatud kiri -------|Saatja|Saaja|Saadetud|Pealkiri
lv|-------- Forwarded message -------|No|Kam|Nosūtīts|Tēma
lt|-------- Persiųstas pranešimas -------|Nuo|Kam|Išsiųstas|Tema
sl|-------- Posredovano sporočilo -------|Od|Za|Poslano|Zadeva
bg|-------- Препратено съобщение -------|От|До|Изпратено|Заглавие
el|-------- Προωθημένο μήνυμα -------|Από|Προς|Απεσταλμένα|Θέμα
ko|-------- 전달된 메시지 -------|보내는 사람|받는 사람|보냄|제목
zh-CN|-------- 转发邮件 -------|发件人|收件人|发送|主题
zh-TW|-------- 轉寄郵件 -------|寄件者|收件者|已傳送|主旨
ar|-------- رسالة معاد توجيهها -------|من|الى|تم الإرسال|الموضوع
"""
for _row in _SM.strip().splitlines():
    _cols = _row.split("|")
    SNAPPYMAIL[_cols[0]] = dict(zip(("sep", "from", "to", "sent", "subject"), _cols[1:], strict=True))
