# ruff: noqa: RUF001, E501 - letters in many scripts, one letter per line on purpose.
"""The facts the cases are built from: letters written for this corpus, per language.

Every letter, name and address here is invented for the corpus (example.* domains). The
generator renders them in each client's format; the expected JSON is written from these
facts, never from mailbot's output.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str
    """Paragraphs separated by a blank line, the author's sign-off included."""


@dataclass(frozen=True)
class Lang:
    tz: str
    authors: tuple[tuple[str, str], ...]
    forwarders: tuple[tuple[str, str], ...]
    letters: tuple[Letter, ...]
    notes: tuple[str, ...]


L = Letter
LANGS: dict[str, Lang] = {
    "en": Lang(
        "Europe/London",
        (("Margaret Hill", "margaret.hill@example.co.uk"), ("Owen Price", "owen.price@example.com")),
        (("Sofia Marchetti", "sofia.marchetti@example.org"), ("James Carter", "j.carter@example.org")),
        (
            L("Thank you for the quick repair", "Dear team,\n\nyour engineer came on Saturday morning and fixed the boiler in\nless than an hour. He even explained how to bleed the radiators.\n\nMany thanks,\nMargaret Hill"),
            L("Late delivery, but a kind driver", "Hello,\n\nmy parcel arrived four days late. The driver apologised and\ncarried it up three floors, so I am not cross any more.\n\nKind regards,\nOwen"),
        ),
        ("A nice one for the blog.", "Forwarding this from a customer in Leeds, see below."),
    ),
    "it": Lang(
        "Europe/Rome",
        (("Tommaso Rossi", "tommaso.rossi@example.it"), ("Giulia Ferrari", "giulia.ferrari@example.it")),
        (("Anna Bianchi", "anna.bianchi@example.org"), ("Marco Verdi", "marco.verdi@example.org")),
        (
            L("Complimenti per il servizio clienti", "Buongiorno,\n\nho chiamato ieri per un problema con la bolletta e l'operatrice\nmi ha risolto tutto in cinque minuti. Non capita spesso.\n\nCordiali saluti,\nTommaso Rossi"),
            L("Consegna in ritardo", "Gentili signori,\n\nil pacco ordinato il 3 marzo non è ancora arrivato. Potete\ndirmi dove si trova?\n\nGrazie e buona giornata,\nGiulia Ferrari"),
        ),
        ("Vi giro questa lettera di un cliente di Roma.", "Per il blog, se vi sembra adatta."),
    ),
    "fr": Lang(
        "Europe/Paris",
        (("Élodie Martin", "elodie.martin@example.fr"), ("Luc Girard", "luc.girard@example.fr")),
        (("Claire Dubois", "claire.dubois@example.org"), ("Hugo Lefèvre", "hugo.lefevre@example.org")),
        (
            L("Merci pour votre accueil", "Bonjour,\n\nje tenais à remercier l'équipe de l'agence de Lyon pour sa\npatience lors de l'ouverture de mon compte.\n\nBien cordialement,\nÉlodie Martin"),
            L("Facture incompréhensible", "Madame, Monsieur,\n\nma facture de février compte deux fois le même abonnement.\nPouvez-vous vérifier ?\n\nCordialement,\nLuc Girard"),
        ),
        ("Un joli message pour le blog.", "Voir ci-dessous, une cliente de Lyon."),
    ),
    "de": Lang(
        "Europe/Berlin",
        (("Jürgen Hahn", "juergen.hahn@example.de"), ("Sabine Krüger", "sabine.krueger@example.de")),
        (("Katrin Vogel", "katrin.vogel@example.org"), ("Tobias Weiß", "tobias.weiss@example.org")),
        (
            L("Lob für die Hotline", "Sehr geehrte Damen und Herren,\n\nIhre Mitarbeiterin hat mir am Telefon geduldig erklärt, wie ich\nmeinen Tarif wechseln kann. Das war vorbildlich.\n\nMit freundlichen Grüßen\nJürgen Hahn"),
            L("Zähler falsch abgelesen", "Guten Tag,\n\nder Zählerstand auf meiner Rechnung stimmt nicht mit dem Foto\nüberein, das ich Ihnen geschickt habe.\n\nViele Grüße\nSabine Krüger"),
        ),
        ("Zur Info, ein schönes Lob.", "Bitte für den Blog prüfen."),
    ),
    "es": Lang(
        "Europe/Madrid",
        (("Lucía Fernández", "lucia.fernandez@example.es"), ("Javier Moreno", "javier.moreno@example.es")),
        (("Pablo Ruiz", "pablo.ruiz@example.org"),),
        (L("Gracias por la atención", "Hola:\n\nquería agradecer a la tienda de Valencia la ayuda con la\ndevolución. Todo fue muy rápido.\n\nUn saludo,\nLucía Fernández"), L("Cobro duplicado en la factura", "Buenas tardes:\n\nen la factura de marzo aparece dos veces la cuota del gimnasio.\n¿Podrían revisarlo y devolverme la diferencia?\n\nAtentamente,\nJavier Moreno")),
        ("Os reenvío esta carta de una clienta.",),
    ),
    "pt": Lang(
        "Europe/Lisbon",
        (("Inês Carvalho", "ines.carvalho@example.pt"), ("Tiago Ferreira", "tiago.ferreira@example.pt")),
        (("Rui Almeida", "rui.almeida@example.org"),),
        (L("Atendimento exemplar", "Bom dia,\n\nquero agradecer ao técnico que veio a minha casa na terça-feira.\nFoi muito simpático e resolveu tudo.\n\nCumprimentos,\nInês Carvalho"), L("Encomenda incompleta", "Boa tarde,\n\na encomenda que recebi ontem veio sem o carregador do\ncomputador. Podem enviá-lo com urgência?\n\nObrigado,\nTiago Ferreira")),
        ("Reencaminho esta mensagem de uma cliente do Porto.",),
    ),
    "pt-BR": Lang(
        "America/Sao_Paulo",
        (("Camila Souza", "camila.souza@example.com.br"),),
        (("Rafael Lima", "rafael.lima@example.org"),),
        (L("Elogio à equipe de Campinas", "Olá,\n\na equipe da loja de Campinas me ajudou a trocar o aparelho\nsem nenhuma burocracia. Muito obrigada!\n\nAbraços,\nCamila Souza"),),
        ("Segue a mensagem de uma cliente, para o blog.",),
    ),
    "nl": Lang(
        "Europe/Amsterdam",
        (("Sanne de Vries", "sanne.devries@example.nl"), ("Joost Visser", "joost.visser@example.nl")),
        (("Pieter Bakker", "pieter.bakker@example.org"),),
        (L("Bedankt voor de snelle hulp", "Beste medewerkers,\n\nmijn internet deed het niet en binnen een dag stond er een\nmonteur voor de deur. Top!\n\nMet vriendelijke groet,\nSanne de Vries"), L("Factuur klopt niet", "Geachte heer, mevrouw,\n\nop mijn factuur van april staat een bedrag voor een pakket dat ik\nal in januari heb opgezegd.\n\nMet vriendelijke groet,\nJoost Visser")),
        ("Leuke reactie van een klant uit Utrecht.",),
    ),
    "sv": Lang(
        "Europe/Stockholm",
        (("Karin Lindqvist", "karin.lindqvist@example.se"), ("Anders Berg", "anders.berg@example.se")),
        (("Erik Nyström", "erik.nystrom@example.org"),),
        (L("Tack för hjälpen", "Hej,\n\njag vill tacka personalen i butiken i Uppsala som hjälpte mig\natt byta abonnemang.\n\nVänliga hälsningar\nKarin Lindqvist"), L("Försenad leverans", "Hej!\n\nMin beställning skulle ha kommit i tisdags men har fortfarande\ninte dykt upp. Kan ni kolla vad som hänt?\n\nMvh\nAnders Berg")),
        ("Ett fint brev från en kund.",),
    ),
    "da": Lang(
        "Europe/Copenhagen",
        (("Mette Sørensen", "mette.sorensen@example.dk"), ("Søren Nielsen", "soren.nielsen@example.dk")),
        (("Lars Jensen", "lars.jensen@example.org"),),
        (L("Ros til kundeservice", "Hej,\n\njeg fik hurtigt svar på mit spørgsmål om regningen, og\nmedarbejderen var meget venlig.\n\nMed venlig hilsen\nMette Sørensen"), L("Forkert vare leveret", "Hej,\n\njeg bestilte en blå jakke i størrelse L, men fik en grøn i\nstørrelse M. Hvordan sender jeg den retur?\n\nVenlig hilsen\nSøren Nielsen")),
        ("Til bloggen, hvis I synes.",),
    ),
    "no": Lang(
        "Europe/Oslo",
        (("Ingrid Haugen", "ingrid.haugen@example.no"), ("Kari Johansen", "kari.johansen@example.no")),
        (("Ola Nordmann", "ola.nordmann@example.org"),),
        (L("Takk for god service", "Hei,\n\njeg vil gjerne takke montøren som kom i går. Han ryddet\netter seg og forklarte alt.\n\nMed vennlig hilsen\nIngrid Haugen"), L("Feil på regningen", "Hei,\n\npå siste faktura er jeg belastet for to abonnementer, men jeg\nhar bare ett. Kan dere rette dette?\n\nHilsen\nKari Johansen")),
        ("Videresender fra en fornøyd kunde.",),
    ),
    "fi": Lang(
        "Europe/Helsinki",
        (("Aino Virtanen", "aino.virtanen@example.fi"), ("Juha Mäkinen", "juha.makinen@example.fi")),
        (("Mikko Korhonen", "mikko.korhonen@example.org"),),
        (L("Kiitos nopeasta avusta", "Hei,\n\nhalusin kiittää asiakaspalvelua nopeasta vastauksesta\nlaskuani koskevaan kysymykseen.\n\nYstävällisin terveisin\nAino Virtanen"), L("Tilaus myöhässä", "Hyvä asiakaspalvelu,\n\ntilaamani kirjahylly ei ole vieläkään saapunut, vaikka\ntoimitusaika oli viikko sitten.\n\nTerveisin\nJuha Mäkinen")),
        ("Mukava palaute asiakkaalta.",),
    ),
    "pl": Lang(
        "Europe/Warsaw",
        (("Katarzyna Nowak", "katarzyna.nowak@example.pl"), ("Marek Zieliński", "marek.zielinski@example.pl")),
        (("Piotr Wiśniewski", "piotr.wisniewski@example.org"),),
        (L("Podziękowanie dla serwisu", "Dzień dobry,\n\nchciałam podziękować serwisantowi za szybką naprawę pralki.\nWszystko działa bez zarzutu.\n\nZ poważaniem\nKatarzyna Nowak"), L("Błąd w rachunku", "Szanowni Państwo,\n\nna ostatniej fakturze naliczono mi opłatę za usługę, z której\nnie korzystam. Proszę o korektę.\n\nPozdrawiam\nMarek Zieliński")),
        ("Przesyłam list od klientki z Krakowa.",),
    ),
    "cs": Lang(
        "Europe/Prague",
        (("Jana Dvořáková", "jana.dvorakova@example.cz"), ("Petr Svoboda", "petr.svoboda@example.cz")),
        (("Tomáš Novák", "tomas.novak@example.org"),),
        (L("Poděkování za ochotu", "Dobrý den,\n\nrád bych poděkoval paní na pobočce v Brně, která mi pomohla\ns reklamací.\n\nS pozdravem\nJana Dvořáková"), L("Reklamace pračky", "Dobrý den,\n\npračka, kterou jsem koupil před měsícem, přestala odčerpávat\nvodu. Jak mám postupovat?\n\nS pozdravem\nPetr Svoboda")),
        ("Posílám dopis od zákaznice.",),
    ),
    "ru": Lang(
        "Europe/Moscow",
        (("Ольга Смирнова", "olga.smirnova@example.ru"), ("Сергей Кузнецов", "sergey.kuznetsov@example.ru")),
        (("Дмитрий Иванов", "dmitry.ivanov@example.org"),),
        (L("Спасибо за быстрый ремонт", "Здравствуйте!\n\nХочу поблагодарить мастера, который вчера починил мой\nхолодильник. Всё работает отлично.\n\nС уважением,\nОльга Смирнова"), L("Задержка доставки", "Добрый день!\n\nМой заказ должен был прийти в понедельник, но до сих пор\nне доставлен. Подскажите, пожалуйста, где он?\n\nСпасибо,\nСергей Кузнецов")),
        ("Пересылаю письмо клиентки.",),
    ),
    "tr": Lang(
        "Europe/Istanbul",
        (("Ayşe Yılmaz", "ayse.yilmaz@example.com.tr"), ("Emre Kaya", "emre.kaya@example.com.tr")),
        (("Mehmet Demir", "mehmet.demir@example.org"),),
        (L("Teşekkür ederim", "Merhaba,\n\nİzmir şubesindeki çalışanlarınız bana çok yardımcı oldu.\nHizmetinizden çok memnunum.\n\nSaygılarımla,\nAyşe Yılmaz"), L("Faturamda hata var", "İyi günler,\n\nson faturamda kullanmadığım bir paket için ücret alınmış.\nDüzeltilmesini rica ederim.\n\nİyi çalışmalar,\nEmre Kaya")),
        ("Bir müşteriden güzel bir mektup.",),
    ),
    "hu": Lang(
        "Europe/Budapest",
        (("Kovács Eszter", "kovacs.eszter@example.hu"), ("Szabó Gábor", "szabo.gabor@example.hu")),
        (("Nagy Péter", "nagy.peter@example.org"),),
        (L("Köszönet a segítségért", "Tisztelt Ügyfélszolgálat!\n\nSzeretném megköszönni a gyors segítséget a számlámmal\nkapcsolatban.\n\nÜdvözlettel:\nKovács Eszter"), L("Késik a csomagom", "Jó napot kívánok!\n\nA múlt héten rendelt csomagom még mindig nem érkezett meg.\nKérem, nézzék meg, hol tart.\n\nKöszönettel:\nSzabó Gábor")),
        ("Továbbítom egy ügyfél levelét.",),
    ),
    "ro": Lang(
        "Europe/Bucharest",
        (("Andreea Popescu", "andreea.popescu@example.ro"), ("Radu Stan", "radu.stan@example.ro")),
        (("Mihai Ionescu", "mihai.ionescu@example.org"),),
        (L("Mulțumiri pentru ajutor", "Bună ziua,\n\nvă mulțumesc pentru răbdarea cu care colega dumneavoastră\nm-a ajutat la telefon.\n\nCu stimă,\nAndreea Popescu"), L("Factură greșită", "Bună ziua,\n\npe factura din luna aceasta apare un serviciu pe care nu l-am\ncomandat. Vă rog să verificați.\n\nMulțumesc,\nRadu Stan")),
        ("Vă trimit scrisoarea unei cliente.",),
    ),
    "ja": Lang(
        "Asia/Tokyo",
        (("佐藤 花子", "hanako.sato@example.jp"), ("鈴木 一郎", "ichiro.suzuki@example.jp")),
        (("田中 健", "ken.tanaka@example.org"),),
        (L("修理のお礼", "お世話になっております。\n\n先日は洗濯機の修理に来ていただき、ありがとうございました。\nとても丁寧な対応で助かりました。\n\n佐藤 花子"), L("請求書について", "いつもお世話になっております。\n\n今月の請求書に、解約済みのサービスの料金が含まれていました。\nご確認をお願いいたします。\n\n鈴木 一郎")),
        ("お客様からのお礼のメールです。",),
    ),
    "hr": Lang(
        "Europe/Zagreb",
        (("Ivana Horvat", "ivana.horvat@example.hr"),),
        (("Marko Kovačić", "marko.kovacic@example.org"),),
        (L("Zahvala za brzu pomoć", "Poštovani,\n\nželim zahvaliti vašem tehničaru koji je jučer popravio\nmoj bojler.\n\nLijep pozdrav,\nIvana Horvat"),),
        ("Prosljeđujem pismo korisnice.",),
    ),
    "sk": Lang(
        "Europe/Bratislava",
        (("Zuzana Kováčová", "zuzana.kovacova@example.sk"),),
        (("Martin Horváth", "martin.horvath@example.org"),),
        (L("Poďakovanie za ochotu", "Dobrý deň,\n\nchcem poďakovať pani na pobočke v Košiciach za pomoc\ns reklamáciou.\n\nS pozdravom\nZuzana Kováčová"),),
        ("Posielam list od zákazníčky.",),
    ),
    "uk": Lang(
        "Europe/Kyiv",
        (("Оксана Шевченко", "oksana.shevchenko@example.com.ua"),),
        (("Андрій Коваленко", "andrii.kovalenko@example.org"),),
        (L("Дякую за допомогу", "Добрий день!\n\nДякую вашому майстру, який швидко полагодив мій\nінтернет.\n\nЗ повагою,\nОксана Шевченко"),),
        ("Пересилаю лист клієнтки.",),
    ),
    "et": Lang(
        "Europe/Tallinn",
        (("Kadri Tamm", "kadri.tamm@example.ee"),),
        (("Andres Saar", "andres.saar@example.org"),),
        (L("Tänan kiire abi eest", "Tere,\n\ntänan teie klienditeenindajat, kes aitas mul arve\nküsimuse kiiresti lahendada.\n\nParimate soovidega\nKadri Tamm"),),
        ("Edastan kliendi kirja.",),
    ),
    "lv": Lang(
        "Europe/Riga",
        (("Laura Bērziņa", "laura.berzina@example.lv"),),
        (("Jānis Kalniņš", "janis.kalnins@example.org"),),
        (L("Paldies par palīdzību", "Labdien!\n\nVēlos pateikt paldies jūsu darbiniecei Rīgas filiālē\npar laipno apkalpošanu.\n\nAr cieņu,\nLaura Bērziņa"),),
        ("Pārsūtu klientes vēstuli.",),
    ),
    "lt": Lang(
        "Europe/Vilnius",
        (("Rūta Kazlauskienė", "ruta.kazlauskiene@example.lt"),),
        (("Tomas Petrauskas", "tomas.petrauskas@example.org"),),
        (L("Ačiū už pagalbą", "Laba diena,\n\nnoriu padėkoti jūsų meistrui, kuris greitai sutaisė\nmano skalbyklę.\n\nPagarbiai\nRūta Kazlauskienė"),),
        ("Persiunčiu klientės laišką.",),
    ),
    "sl": Lang(
        "Europe/Ljubljana",
        (("Maja Novak", "maja.novak@example.si"),),
        (("Luka Kranjc", "luka.kranjc@example.org"),),
        (L("Zahvala za pomoč", "Pozdravljeni,\n\nzahvaljujem se vašemu serviserju, ki je včeraj hitro\npopravil pečico.\n\nLep pozdrav,\nMaja Novak"),),
        ("Posredujem pismo stranke.",),
    ),
    "bg": Lang(
        "Europe/Sofia",
        (("Мария Петрова", "maria.petrova@example.bg"),),
        (("Георги Димитров", "georgi.dimitrov@example.org"),),
        (L("Благодаря за помощта", "Здравейте,\n\nискам да благодаря на служителката във вашия офис в\nПловдив за търпението.\n\nПоздрави,\nМария Петрова"),),
        ("Препращам писмо от клиентка.",),
    ),
    "el": Lang(
        "Europe/Athens",
        (("Ελένη Παπαδοπούλου", "eleni.papadopoulou@example.gr"),),
        (("Νίκος Γεωργίου", "nikos.georgiou@example.org"),),
        (L("Ευχαριστώ για τη βοήθεια", "Καλημέρα σας,\n\nθα ήθελα να ευχαριστήσω τον τεχνικό σας που επισκεύασε\nγρήγορα το κλιματιστικό μου.\n\nΜε εκτίμηση,\nΕλένη Παπαδοπούλου"),),
        ("Σας προωθώ την επιστολή μιας πελάτισσας.",),
    ),
    "ca": Lang(
        "Europe/Madrid",
        (("Montserrat Puig", "montserrat.puig@example.cat"),),
        (("Jordi Vila", "jordi.vila@example.org"),),
        (L("Gràcies per l'atenció", "Bon dia,\n\nvull agrair a la botiga de Girona l'ajuda amb la devolució\nde la nevera.\n\nSalutacions,\nMontserrat Puig"),),
        ("Us reenvio la carta d'una clienta.",),
    ),
    "ko": Lang(
        "Asia/Seoul",
        (("김지은", "jieun.kim@example.kr"),),
        (("이민호", "minho.lee@example.org"),),
        (L("친절한 상담 감사합니다", "안녕하세요.\n\n어제 전화 상담을 해 주신 직원분께 감사드립니다.\n덕분에 요금 문제가 해결되었습니다.\n\n김지은 드림"),),
        ("고객님의 감사 편지입니다.",),
    ),
    "zh-CN": Lang(
        "Asia/Shanghai",
        (("王芳", "wang.fang@example.cn"),),
        (("李伟", "li.wei@example.org"),),
        (L("感谢你们的帮助", "您好：\n\n感谢贵公司的维修师傅昨天上门修好了我的空调，\n服务非常周到。\n\n王芳"),),
        ("转发一位客户的来信。",),
    ),
    "zh-TW": Lang(
        "Asia/Taipei",
        (("陳美玲", "meiling.chen@example.tw"),),
        (("林志明", "zhiming.lin@example.org"),),
        (L("感謝您們的協助", "您好：\n\n謝謝台中門市的同仁耐心協助我辦理退貨，\n整個過程非常順利。\n\n陳美玲 敬上"),),
        ("轉寄一位客戶的來信。",),
    ),
    "ar": Lang(
        "Asia/Riyadh",
        (("فاطمة الزهراء", "fatima.alzahra@example.sa"),),
        (("أحمد منصور", "ahmed.mansour@example.org"),),
        (L("شكراً على الخدمة", "السلام عليكم،\n\nأود أن أشكر فريق الصيانة على إصلاح المكيف بسرعة.\nكانت الخدمة ممتازة.\n\nمع التحية،\nفاطمة الزهراء"),),
        ("أرسل لكم رسالة من إحدى العميلات.",),
    ),
    "he": Lang(
        "Asia/Jerusalem",
        (("נועה לוי", "noa.levi@example.co.il"),),
        (("יוסי כהן", "yossi.cohen@example.org"),),
        (L("תודה על השירות", "שלום,\n\nרציתי להודות לטכנאי שתיקן אתמול את המקרר שלי.\nהשירות היה מצוין.\n\nבברכה,\nנועה לוי"),),
        ("מעביר מכתב של לקוחה.",),
    ),
}  # fmt: skip

BLOG = ("Lettere dai clienti", "blog@example.org")
"""The mailbox mailbot reads: every outer message is sent to it."""
