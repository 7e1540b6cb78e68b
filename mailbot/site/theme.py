"""The site's theme for one run: :class:`Theme` (Jinja2 environment, gettext words, Babel dates) and
the fingerprint of what pages depend on; :meth:`Theme.view` turns an Entry into a PostView.
"""

from __future__ import annotations

import gettext
import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote, urlsplit

import jinja2
from babel.dates import format_date, format_time
from babel.lists import format_list
from markupsafe import Markup

from mailbot import langdetect
from mailbot.config import SiteConfig
from mailbot.errors import PublishError
from mailbot.site import comments as _comments
from mailbot.site.letterhtml import clean, render_letter
from mailbot.site.postview import (
    ROOT_MARK,
    DayGroup,
    Entry,
    MonthLink,
    PictureView,
    PostFailed,
    PostView,
    YearGroup,
    by_day,
    clean_alt,
    picture,
)
from mailbot.wording import grammar_for, to_names, translations_and_bytes

# What render.py, plan.py and tests import from here, now kept in mailbot.site.postview.
__all__ = [
    "RENDER_VERSION",
    "ROOT_MARK",
    "DayGroup",
    "Entry",
    "MonthLink",
    "PictureView",
    "PostFailed",
    "PostView",
    "Theme",
    "YearGroup",
    "builtin_templates_dir",
    "by_day",
    "clean_alt",
    "digest",
    "files_digest",
    "picture",
    "read_file",
]

_PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
# Bump when a change to this module, mailbot.site.postview or mailbot.site.render changes the
# bytes of pages: published sites render again.
RENDER_VERSION = "mailbot-publish-3"


# ---------------------------------------------------------------------------
# Theme words: the catalogs and grammars of mailbot.wording, made fast for Jinja
# ---------------------------------------------------------------------------


def _fast_gettext(words: gettext.NullTranslations) -> Callable[..., Markup]:
    cache: dict[str, Markup] = {}

    def gettext_(message: str, **variables: Any) -> Markup:
        found = cache.get(message)
        if found is None:
            found = cache[message] = Markup(words.gettext(message))
        # Markup's % escapes each variable: the translation is trusted, the names are not.
        return found % variables

    return gettext_


def _fast_ngettext(words: gettext.NullTranslations) -> Callable[..., Markup]:
    def ngettext_(singular: str, plural: str, num: int, **variables: Any) -> Markup:
        variables.setdefault("num", num)
        return Markup(words.ngettext(singular, plural, num)) % variables

    return ngettext_


def digest(*parts: str | bytes) -> str:
    # Length-prefixed, so ("ab", "c") and ("a", "bc") differ; one hash call per digest,
    # since tens of thousands are made per run.
    text = "".join(f"{len(p)}:{p}" if isinstance(p, str) else f"{len(p)}b:{p.hex()}" for p in parts)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def files_digest(folders: Iterable[Path]) -> str:
    """A digest of the template files in ``folders`` (static files are fingerprinted on their own)."""
    parts: list[str | bytes] = []
    for folder in folders:
        if not folder.is_dir():
            parts.append("missing")
            continue
        for dirpath, dirnames, filenames in os.walk(folder):
            if Path(dirpath) == folder:
                dirnames[:] = [d for d in dirnames if d != "static"]
            dirnames.sort()
            for filename in sorted(filenames):
                source = Path(dirpath) / filename
                parts += [source.relative_to(folder).as_posix(), read_file(source)]
    return digest(*parts)


class Theme:
    """The Jinja2 environment and localizers for one run: templates compile once."""

    def __init__(self, site: SiteConfig, preview: bool) -> None:
        self.site = site
        self.preview = preview
        locale = langdetect.parse_locale(site.language)
        if locale is None:
            raise PublishError(
                f'site.language {site.language!r} is not a known locale; use a code like "it" or "en".'
            )
        self.locale = locale
        self.tz = site.tz
        self.grammar = grammar_for(self.locale)
        builtin = builtin_templates_dir()
        loader: jinja2.BaseLoader = jinja2.FileSystemLoader(builtin)
        template_dirs = [builtin]
        self.static_dirs = [builtin / "static"]
        if site.templates is not None:
            loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(site.templates), loader])
            template_dirs.append(site.templates)
            self.static_dirs.append(site.templates / "static")
        self.env = jinja2.Environment(
            loader=loader,
            autoescape=jinja2.select_autoescape(("html", "xml"), default_for_string=True, default=True),
            undefined=jinja2.StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
        )
        words, catalog_bytes = translations_and_bytes(self.locale)
        cast(Any, self.env).install_gettext_translations(words, newstyle=True)
        # The extension's newstyle callables go through three Jinja context calls per word;
        # these plain functions do the same (escape the variables, always %-format) in one.
        self.env.globals.update(
            _=_fast_gettext(words), gettext=_fast_gettext(words), ngettext=_fast_ngettext(words)
        )
        self.env.filters["paragraphs"] = render_letter
        self.env.globals["fragment"] = self._fragment
        self._fragments: dict[tuple[str, str], Markup] = {}
        # Whatever a page's bytes depend on besides its posts: when any of it changes, every
        # page renders again. Only inputs that are the same on every machine go in, so the
        # manifest (and the golden copies of sites) do not depend on the environment; a
        # change to this module's output must bump RENDER_VERSION, and `force` re-renders all.
        self.fingerprint = digest(
            RENDER_VERSION,
            repr(replace(site, templates=None)),  # the templates' contents are hashed below
            str(preview),
            files_digest(template_dirs),
            catalog_bytes,
        )
        self._templates: dict[str, jinja2.Template] = {}
        self._days: dict[date, str] = {}
        self._longs: dict[date, str] = {}
        self._months: dict[date, str] = {}
        self._times: dict[tuple[int, int], str] = {}
        self._lists: dict[tuple[str, ...], str] = {}
        self._tag_authority = urlsplit(site.base_url).hostname or "localhost"
        self.lang_tag = str(self.locale).replace("_", "-")
        self.common = {
            "site": site,
            "lang": self.lang_tag,
            "preview": preview,
            "base_url": site.base_url,
        }

    def template(self, name: str) -> jinja2.Template:
        found = self._templates.get(name)
        if found is None:
            try:
                found = self._templates[name] = self.env.get_template(name)
            except jinja2.TemplateNotFound as exc:
                raise PublishError(
                    f"template {exc.name} was not found; restore it in the templates folder."
                ) from exc
            except jinja2.TemplateSyntaxError as exc:
                raise PublishError(
                    f"template {exc.filename or name} line {exc.lineno} is wrong ({exc.message}); fix it."
                ) from exc
        return found

    @jinja2.pass_context
    def _fragment(self, context: jinja2.runtime.Context, name: str) -> Markup:
        """``name`` rendered with the site-wide variables only, once per run and ``root``.

        The page chrome (head links, header, footer) is the same on thousands of
        pages: rendering it once saves most of a page's translation calls.
        """
        root = str(context.get("root", ""))
        found = self._fragments.get((name, root))
        if found is None:
            found = self._fragments[name, root] = Markup(self.render_text(name, root).rstrip("\n"))
        return found

    def render(self, name: str, root: str, **context: Any) -> bytes:
        return self.render_text(name, root, **context).encode("utf-8")

    def render_text(self, name: str, root: str, **context: Any) -> str:
        try:
            return self.template(name).render(self.common, root=root, **context)
        except PublishError:
            raise
        except jinja2.TemplateError as exc:
            raise PublishError(f"template {name} failed to render ({exc}); fix the template.") from exc

    # Babel's formatters parse patterns on every call: cache every label per day, month or minute.

    def day(self, d: date) -> str:
        label = self._days.get(d)
        if label is None:
            label = self._days[d] = format_date(d, format="full", locale=self.locale)
        return label

    def long_date(self, d: date) -> str:
        label = self._longs.get(d)
        if label is None:
            label = self._longs[d] = format_date(d, format="long", locale=self.locale)
        return label

    def short_time(self, moment: datetime) -> str:
        key = (moment.hour, moment.minute)
        label = self._times.get(key)
        if label is None:
            label = self._times[key] = format_time(moment.timetz(), format="short", locale=self.locale)
        return label

    def month_label(self, d: date) -> str:
        key = d.replace(day=1)
        label = self._months.get(key)
        if label is None:
            label = self._months[key] = format_date(key, "LLLL yyyy", locale=self.locale)
        return label

    def month_name(self, d: date) -> str:
        return format_date(d, "LLLL", locale=self.locale)

    def names(self, forwarders: tuple[str, ...]) -> str:
        found = self._lists.get(forwarders)
        if found is None:
            found = self._lists[forwarders] = (
                format_list(list(forwarders), locale=self.locale) if forwarders else ""
            )
        return found

    def post_lang(self, value: str | None) -> str | None:
        """``value`` as a BCP 47 tag when it says something the site's language does not."""
        tag = langdetect.language_tag(value)
        if tag is None or tag.lower() == self.lang_tag.lower():
            return None
        primary = tag.partition("-")[0]
        if tag == primary and primary == self.locale.language:
            return None  # "it" on an "it-CH" site: nothing new
        return tag

    def render_entry(self, view: PostView) -> Markup:
        try:
            return Markup(self.render_text("_entry.html", "", post=view).strip())
        except Exception as exc:  # one post's failure is reported, the site goes on
            raise PostFailed(view.id, exc) from exc

    def view(self, e: Entry) -> PostView:
        try:
            return self._view(e)
        except Exception as exc:
            raise PostFailed(e.post.id, exc) from exc

    def _view(self, e: Entry) -> PostView:
        post, local, path, published, letter_local = e.post, e.local, e.path, e.published, e.letter_local
        title = clean(post.title).strip()
        author = clean(post.author).strip()
        forwarders = tuple(name for name in (clean(n).strip() for n in post.forwarded_by) if name)
        pictures = {name: clean_alt(alt) for name, _, alt in map(picture, post.assets)}
        names = self.names(forwarders)
        day = local.date()
        return PostView(
            id=post.id,
            lang=self.post_lang(post.lang),
            title=title,
            author=author,
            forwarded_by=forwarders,
            names=names,
            to_names=to_names(self.grammar, self.locale, forwarders, names),
            of_author=self.grammar.of(author) if author else "",
            forwarders_count=2 if self.grammar.plural(forwarders) else 1,
            path=path,
            url=self.site.base_url + path,
            # The publication day, whatever date the site shows: the id never changes.
            atom_id=f"tag:{self._tag_authority},{published.date().isoformat()}:{quote(post.id, safe='')}",
            date=local,
            date_iso=local.isoformat(timespec="seconds"),
            date_rfc822=format_datetime(local),
            day_iso=day.isoformat(),
            day=self.day(day),
            date_long=self.long_date(day),
            time_short=self.short_time(local),
            published_iso=published.isoformat(timespec="seconds"),
            published_long=self.long_date(published.date()),
            published_time=self.short_time(published),
            letter_date_iso=letter_local.isoformat(timespec="seconds") if letter_local else None,
            letter_date_long=self.long_date(letter_local.date()) if letter_local else None,
            month_label=self.month_label(day),
            assets=[path + name for name in pictures],
            _pictures=pictures,
            _intro=clean(post.intro) if post.intro is not None else None,
            _notes=tuple(note for note in (clean(n).strip() for n in post.notes) if note),
            _body=post.body,
            _entry_renderer=self.render_entry,
            comments=_comments.views(post, self.tz, lambda d: self.long_date(d.date()), self.short_time),
            comments_open=_comments.count_fingerprint(post).endswith("1"),
            comment_mailto=_comments.mailto(post),
            comment_form=post.comment_links.form_action if post.comment_links else None,
        )


def builtin_templates_dir() -> Path:
    """The shipped theme: ``mailbot/site/templates``, inside the package (a wheel and a checkout alike)."""
    return _PACKAGE_TEMPLATES


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PublishError(f"{path} cannot be read ({exc.strerror}); check its permissions.") from exc
