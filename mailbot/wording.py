"""The words mailbot writes: gettext catalogs, each language's grammar, a new draft's default intro.

Neutral ground for every stage: ingest (the default intro) and the site (the theme's words) both
import it, and neither imports the other. It imports only errors, langdetect and Babel.

The catalogs are ``mailbot/site/locale/<lang>/LC_MESSAGES/mailbot.po``, read at run time
with Babel and compiled in memory (no build step to forget); English is the source
language and the fallback. The theme (:mod:`mailbot.site.render`) and
:func:`default_intro` use the same catalogs.

:func:`default_intro` is the editors' sentence the pipeline puts in a new draft's
``intro`` ("Grazie ai colleghi di Napoli che ci hanno girato questa lettera di
Tommaso."): the reviewer edits it. Forwarders' own notes never become the intro.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from mailbot.errors import PublishError
from mailbot.langdetect import parse_locale

__all__ = ["DOMAIN", "LOCALE_DIR", "Grammar", "default_intro", "grammar_for", "parse_locale", "translations"]

# The catalogs ship with the theme they mostly serve.
LOCALE_DIR = Path(__file__).parent / "site" / "locale"
DOMAIN = "mailbot"


# ---------------------------------------------------------------------------
# Catalogs
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _catalog_for(code: str) -> tuple[gettext.NullTranslations, bytes]:
    """The translations in ``locale/<code>``, and the catalog's bytes (part of every fingerprint)."""
    po = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    try:
        data = po.read_bytes()
    except FileNotFoundError:
        return gettext.NullTranslations(), b""
    except OSError as exc:
        raise PublishError(f"the catalog {po} cannot be read ({exc.strerror}); check the install.") from exc
    try:
        catalog = read_po(io.BytesIO(data), locale=code, domain=DOMAIN)
        # GNUTranslations reads the compiled form: compile in memory, no build step to forget.
        mo = io.BytesIO()
        write_mo(mo, catalog)
        mo.seek(0)
        return gettext.GNUTranslations(mo), data
    except Exception as exc:  # Babel and gettext raise assorted errors on a damaged catalog
        raise PublishError(f"the catalog {po} is damaged ({exc}); restore it from the release.") from exc


def translations_and_bytes(locale: Locale) -> tuple[gettext.NullTranslations, bytes]:
    """The translations for ``locale`` and the bytes of the catalog they come from."""
    for code in dict.fromkeys((str(locale), locale.language)):
        found = _catalog_for(code)
        if found[1]:
            return found
    return gettext.NullTranslations(), b""


def translations(locale: Locale) -> gettext.NullTranslations:
    """The theme's words for ``locale`` (``it_CH`` falls back to ``it``); English when none ship."""
    return translations_and_bytes(locale)[0]


# ---------------------------------------------------------------------------
# Grammar: "to <names>" and "from <author>" in each language
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Grammar:
    """How a language puts "to <names>" and "from <author>" in the thanks sentence."""

    to: Callable[[str], str]
    of: Callable[[str], str]
    plural: Callable[[Sequence[str]], bool]
    # Italian repeats the preposition before each name ("a Laura e ai colleghi");
    # English says it once ("to Laura and the colleagues").
    each: bool = False


# Italian fuses "a"/"di" with a leading article: "a i colleghi" -> "ai colleghi".
_IT_ARTICLES = {
    "il": ("al", "del"),
    "lo": ("allo", "dello"),
    "la": ("alla", "della"),
    "i": ("ai", "dei"),
    "gli": ("agli", "degli"),
    "le": ("alle", "delle"),
}
_IT_PLURAL_ARTICLES = frozenset({"i", "gli", "le"})


def _it_preposition(prep: str, phrase: str) -> str:
    word, _, rest = phrase.partition(" ")
    fused = _IT_ARTICLES.get(word.lower())
    if fused is not None and rest:
        return f"{fused[0] if prep == 'a' else fused[1]} {rest}"
    if phrase[:2].lower() in ("l'", "l\u2019"):
        return ("all'" if prep == "a" else "dell'") + phrase[2:]
    if prep == "a" and phrase[:1].lower() == "a":
        return f"ad {phrase}"  # "ad Anna": the euphonic d before the same vowel
    return f"{prep} {phrase}"


# French fuses "à"/"de" with le/les and elides "de" before a vowel: "aux collègues", "d'Anna".
_FR_ARTICLES = {"le": ("au", "du"), "les": ("aux", "des")}
_FR_VOWELS = frozenset("aeiouhyàâäéèêëîïôöùûüœ")


def _fr_preposition(prep: str, phrase: str) -> str:
    word, _, rest = phrase.partition(" ")
    fused = _FR_ARTICLES.get(word.lower())
    if fused is not None and rest:
        return f"{fused[0] if prep == 'à' else fused[1]} {rest}"
    if prep == "de" and phrase[:1].lower() in _FR_VOWELS:
        return f"d\u2019{phrase}"
    return f"{prep} {phrase}"


# Spanish fuses "a"/"de" with "el": "al equipo", "del señor Ruiz".
def _es_preposition(prep: str, phrase: str) -> str:
    word, _, rest = phrase.partition(" ")
    if word.lower() == "el" and rest:
        return f"{'al' if prep == 'a' else 'del'} {rest}"
    return f"{prep} {phrase}"


_GRAMMARS: dict[str, Grammar] = {
    "it": Grammar(
        to=functools.partial(_it_preposition, "a"),
        of=functools.partial(_it_preposition, "di"),
        plural=lambda names: (
            len(names) > 1 or (bool(names) and names[0].split(" ", 1)[0].lower() in _IT_PLURAL_ARTICLES)
        ),
        each=True,
    ),
    "fr": Grammar(
        to=functools.partial(_fr_preposition, "à"),
        of=functools.partial(_fr_preposition, "de"),
        plural=lambda names: len(names) > 1,
        each=True,
    ),
    "es": Grammar(
        to=functools.partial(_es_preposition, "a"),
        of=functools.partial(_es_preposition, "de"),
        plural=lambda names: len(names) > 1,
        each=True,
    ),
}
_DEFAULT_GRAMMAR = Grammar(to=lambda s: f"to {s}", of=lambda s: f"from {s}", plural=lambda n: len(n) > 1)


def grammar_for(locale: Locale) -> Grammar:
    """The grammar helpers of ``locale``'s language (English's when it has none of its own)."""
    return _GRAMMARS.get(locale.language, _DEFAULT_GRAMMAR)


def to_names(grammar: Grammar, locale: Locale, forwarders: Sequence[str], names: str) -> str:
    """ "ad Anna e a Marco" / "to Anna and Mark": the names with the language's "to"."""
    if grammar.each and len(forwarders) > 1:
        return format_list([grammar.to(n) for n in forwarders], locale=locale)
    return grammar.to(names) if names else ""


# ---------------------------------------------------------------------------
# The default intro
# ---------------------------------------------------------------------------

_ENGLISH = Locale("en")


def default_intro(author: str, forwarded_by: Sequence[str], language: str) -> str | None:
    """The editors' intro for a new draft, in ``language`` (a BCP 47 tag; English if unknown).

    ``author`` and ``forwarded_by`` are the display strings of the attribution
    ("Tommaso", "i colleghi di Napoli"). With both: "Grazie ai colleghi di Napoli
    che ci hanno girato questa lettera di Tommaso."; with forwarders only:
    "Grazie a Piero che ci ha girato questa lettera."; with the author only:
    "Una lettera di Tommaso."; with neither, None (there is nothing to say).
    Plain text, not HTML: the site escapes it like any other text.
    """
    locale = parse_locale(language) or _ENGLISH
    words = translations(locale)
    grammar = grammar_for(locale)
    author = " ".join(author.split())
    forwarders = [name for name in (" ".join(n.split()) for n in forwarded_by) if name]
    names = format_list(forwarders, locale=locale) if forwarders else ""
    variables = {
        "names": names,
        "to_names": to_names(grammar, locale, forwarders, names),
        "author": author,
        "of_author": grammar.of(author) if author else "",
    }
    count = 2 if grammar.plural(forwarders) else 1
    if forwarders and author:
        template = words.ngettext(
            "Thanks to %(names)s for passing on this letter from %(author)s.",
            "Thanks to %(names)s for passing on this letter from %(author)s.",
            count,
        )
    elif forwarders:
        template = words.ngettext(
            "Thanks to %(names)s for passing on this letter.",
            "Thanks to %(names)s for passing on this letter.",
            count,
        )
    elif author:
        template = words.gettext("A letter from %(author)s.")
    else:
        return None
    return template % variables
