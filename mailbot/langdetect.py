"""Which language a letter is written in: a small stop-word detector, and BCP 47 tags.

:func:`guess_language` counts, in one pass over the words, how many belong to each
language's list of frequent function words ("the", "und", "della", "não"...). The
lists below keep only words that are frequent in one of the languages and rare in
the others ("de", "que", "a", "in" are left out: they are everywhere), so a short
letter of a few sentences is enough. When too few words are known, or two
languages are too close, the answer is None: a guess the reviewer would have to
undo is worse than none. It knows Italian, English, French, German, Spanish,
Portuguese and Dutch.

:func:`language_tag` checks a language tag (the site's, a draft's ``lang``) against
the syntax of BCP 47 (RFC 5646) and puts it in its usual case ("pt-BR", "zh-Hant");
anything else is None, so it never reaches an HTML attribute.

Pure functions, linear in the text; this module imports nothing of mailbot.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale

__all__ = ["LANGUAGES", "guess_language", "is_locale", "language_tag", "parse_locale"]

# Only the first characters are read: a letter's language shows long before that.
_MAX_CHARS = 50_000
# At least this many known words, and this many times as many as the runner-up.
_MIN_HITS = 3
_MARGIN = 2.0

_STOP_WORDS: dict[str, str] = {
    "it": (
        "il gli della delle degli dello dei nel nella nelle nei negli che non sono è ho hanno"
        " questo questa questi anche molto grazie perché più ci vi di alla alle ai agli allo"
        " per cui sul sulla stato stata essere tutto tutti tutte signori cordiali saluti"
        " gentile gentili buongiorno volevo dopo ancora sempre ogni poi fatto loro suo mio"
        " mia abbiamo avevo siete vostro vostra nostro nostra dal dalla ed però ringraziare"
    ),
    "en": (
        "the and of to is was that it for you with have this are my your be not but they at"
        " from had been would very thank thanks dear regards all which when there our us"
        " were what will has about just could after because an yours sincerely"
        " their them she his her who did does can"
    ),
    "fr": (
        "le les des du est et je vous nous une pour pas dans avec sur mais ce cette ces elle"
        " ils sont été avoir être au aux très merci bonjour madame monsieur cordialement"
        " votre vos mon mes ses leur j qu n avait fait tout tous plus moi"
        " était comme même aussi parce depuis encore toujours"
    ),
    "de": (
        "der und ist ich nicht mit sie ein eine einen einem zu auf für von sich auch wir ihr"
        " ihre ihnen haben hat war wurde sehr aber dass nach bei noch nur mein meine vielen"
        " danke herzlichen grüßen freundlichen geehrte damen herren wenn schon oder mir"
        " mich uns im dem zum zur bin habe hatte wieder immer"
    ),
    "es": (
        "el los las y por muy pero más están fue hemos han gracias señor señora señores"
        " saludos estimados atentamente usted ustedes su sus yo cuando también hay esto"
        " mucho muchas años año hasta sin fueron tengo había quiero"
    ),
    "pt": (
        "os um uma não é na em com muito muita obrigado obrigada você vocês senhor senhora"
        " atenciosamente cumprimentos foi são também mas ao aos pelo pela isso isto eu"
        " meu minha ele ela eles tem têm ter já até então bom boa olá nossa nosso seus"
        " suas estou tenho"
    ),
    "nl": (
        "het een van ik dat niet met op voor zijn maar om ook bij nog wel u uw jullie wij"
        " hebben heb heeft werd naar dan geachte groeten vriendelijke bedankt hartelijk"
        " mijn aan uit zeer dit deze wat hij zij ze kan mevrouw heer goed graag omdat"
        " veel"
    ),
}

LANGUAGES = tuple(_STOP_WORDS)

# Each word to the languages whose list has it.
_WORD_LANGUAGES: dict[str, tuple[str, ...]] = {}
for _lang, _words in _STOP_WORDS.items():
    for _word in _words.split():
        _WORD_LANGUAGES[_word] = (*_WORD_LANGUAGES.get(_word, ()), _lang)

# Letters only (no digits, no underscore): "l'operatore" is "l" and "operatore".
_WORD = re.compile(r"[^\W\d_]+")


def guess_language(text: str) -> str | None:
    """The language ``text`` is most likely written in ("it", "en", "fr", "de", "es", "pt", "nl").

    None when unsure: fewer than three known words, or the runner-up language within
    a factor of two. Reads at most the first 50,000 characters.
    """
    hits = dict.fromkeys(LANGUAGES, 0)
    for match in _WORD.finditer(text, 0, _MAX_CHARS):
        for lang in _WORD_LANGUAGES.get(match.group().lower(), ()):
            hits[lang] += 1
    ranked = sorted(hits.items(), key=lambda item: item[1], reverse=True)
    (best, best_hits), (_, second_hits) = ranked[0], ranked[1]
    if best_hits < _MIN_HITS or best_hits < _MARGIN * second_hits:
        return None
    return best


# RFC 5646, section 2.1: the well-formed language tags (without the grandfathered
# irregular ones such as "i-klingon", which no letter needs).
_ALNUM = "[A-Za-z0-9]"
_LANGTAG = re.compile(
    r"(?:"
    r"(?P<language>[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"
    r"(?:-(?P<script>[A-Za-z]{4}))?"
    r"(?:-(?P<region>[A-Za-z]{2}|[0-9]{3}))?"
    rf"(?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*"
    rf"(?:-[0-9A-WYZa-wyz](?:-{_ALNUM}{{2,8}})+)*"
    rf"(?:-[Xx](?:-{_ALNUM}{{1,8}})+)?"
    rf"|[Xx](?:-{_ALNUM}{{1,8}})+"
    r")",
    re.ASCII,
)
_MAX_TAG = 64


def language_tag(value: str | None) -> str | None:
    """``value`` as a well-formed BCP 47 tag in its usual case ("pt_br" -> "pt-BR"), else None."""
    if not value:
        return None
    value = value.strip().replace("_", "-")
    if len(value) > _MAX_TAG:
        return None
    found = _LANGTAG.fullmatch(value)
    if found is None:
        return None
    subtags = value.lower().split("-")
    if found.group("language") is None:
        return "-".join(subtags)  # private use only ("x-..."): all lowercase
    out = [subtags[0]]
    extension = False
    for subtag in subtags[1:]:
        extension = extension or len(subtag) == 1
        if not extension and len(subtag) == 4 and subtag.isalpha():
            out.append(subtag.title())  # a script ("Hant"); a 4-character variant starts with a digit
        elif not extension and len(subtag) == 2 and subtag.isalpha():
            out.append(subtag.upper())  # a region ("BR")
        else:
            out.append(subtag)  # extlang, variant, numeric region, extension, private use
    return "-".join(out)


def parse_locale(language: str) -> Locale | None:
    """``language`` ("it", "it-CH", "pt_BR") as a Babel locale; None when Babel does not know it.

    The one check of a locale: ``[site] language`` when the config is read, the theme, the intro.
    """
    from babel import Locale, UnknownLocaleError  # only the callers that need a locale load Babel

    try:
        return Locale.parse(language.strip().replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return None


_LOCALE_FILE = re.compile(r"[a-z]{2,3}(?:_[A-Za-z0-9]{2,8})*")


def is_locale(language: str) -> bool:
    """Whether :func:`parse_locale` knows ``language``; without importing Babel when its data has the file.

    Reading the config checks ``[site] language`` this way: `mailbot drafts list` needs no Babel.
    """
    import importlib.util
    from pathlib import Path

    name = language.strip().replace("-", "_")
    spec = importlib.util.find_spec("babel")
    folders = (spec.submodule_search_locations or []) if spec is not None else []
    files = [Path(folder) / "locale-data" / f"{name}.dat" for folder in folders]
    if _LOCALE_FILE.fullmatch(name) and any(f.is_file() for f in files):
        return True
    return parse_locale(language) is not None
