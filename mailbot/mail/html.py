"""Render an HTML body as plain text, safely: sanitized (nh3), bounded first, then rendered.

Split from :mod:`mailbot.mail.mime`, which calls :func:`html_to_text` for a message without a
text part and :func:`remote_images` to list what the HTML would load.
"""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

import nh3

from mailbot.budget import Deadline
from mailbot.budget import check as check_deadline
from mailbot.mail.htmlguard import limit_html
from mailbot.mail.inline import token
from mailbot.textutil import unix_newlines

# --- HTML to text -------------------------------------------------------------------------------

# What survives sanitizing: structure and text only. No scripts, styles, forms, event handlers;
# links only to http/https/mailto; images only as the place of an attached picture (cid:).
# ``style`` stays on block and inline elements only so that the renderer can see what the sender
# hid, and nh3 keeps nothing of it but these properties.
_ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "center", "cite", "code", "dd", "div", "dl",
        "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre",
        "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "u", "ul", "img",
    }
)  # fmt: skip
# Images stay only so that the renderer can mark where an attached picture (cid:) stood.
_ALLOWED_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}, "*": {"style", "hidden"}}
_DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "head", "title", "template", "noscript", "object", "iframe", "noembed", "noframes",
     "svg", "math", "select", "textarea"}
)  # fmt: skip
_HIDING_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|(?<![-\w])(?:max-height|height|font-size)\s*:\s*0(?![.\d])"
    r"|opacity\s*:\s*0(?![.\d])",
    re.IGNORECASE,
)
_IMG_SRC = re.compile(r"<img\b[^<>]*?\bsrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))", re.IGNORECASE)


def sanitize_html(html: str) -> str:
    """``html`` with only text and structure left (nh3): no script, style, handler or remote load."""
    return nh3.clean(
        html,
        tags=set(_ALLOWED_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in _ALLOWED_ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto", "cid"},
        filter_style_properties={"display", "visibility", "height", "max-height", "font-size", "opacity"},
        link_rel=None,
        strip_comments=True,
    )


def remote_images(html: str) -> tuple[str, ...]:
    """The ``http(s)`` sources of the message's images, in order, once each (never fetched)."""
    if "<img" not in html and "<IMG" not in html:
        return ()
    found: dict[str, None] = {}
    for match in _IMG_SRC.finditer(html):
        url = html_lib.unescape(next(g for g in match.groups() if g is not None)).strip()
        if url.lower().startswith(("http://", "https://")):
            found.setdefault(url, None)
    return tuple(found)


_SKIPPED_TAGS = frozenset({"style", "script", "head", "title", "template", "noscript"})
_LINE_TAGS = frozenset(
    {"div", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "hr", "section"}
)
_PARAGRAPH_TAGS = frozenset({"p", "blockquote"})
_VOID_TAGS = frozenset({"br", "hr", "img", "wbr", "col", "area", "input", "meta", "link"})
_RENDER_CHUNK = 65536


class _TextRenderer(HTMLParser):
    """Render sanitized HTML as readable plain text: block elements become line breaks.

    An element hidden by its style (``display:none``, ``font-size:0``...) or ``hidden``
    attribute is skipped with everything inside it: preheaders and tracking junk.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        # How many "\n" end the text so far, and its last character: kept as the text grows so
        # that no tag has to look back at what came before (a join there was quadratic).
        self.trailing_newlines = 0
        self.last_char = ""
        self.skip_depth = 0
        self.pre_depth = 0
        self.hidden_tag: str | None = None
        self.hidden_depth = 0

    def _emit(self, text: str) -> None:
        if not text:
            return
        self.out.append(text)
        stripped = len(text) - len(text.rstrip("\n"))
        self.trailing_newlines = self.trailing_newlines + stripped if stripped == len(text) else stripped
        self.last_char = text[-1]

    def _newline(self, count: int) -> None:
        if not self.out:
            return
        missing = count - self.trailing_newlines
        if missing > 0:
            self._emit("\n" * missing)

    def _hides(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag in _VOID_TAGS:
            return False
        for name, value in attrs:
            if name == "hidden" or (name == "style" and value and _HIDING_STYLE.search(value)):
                return True
        return False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.hidden_tag is not None:
            if tag == self.hidden_tag:
                self.hidden_depth += 1
            return
        if attrs and self._hides(tag, attrs):
            self.hidden_tag, self.hidden_depth = tag, 1
            return
        if tag in _SKIPPED_TAGS:
            self.skip_depth += 1
        elif tag == "img":
            self._picture(attrs)
        elif tag == "br":
            self._emit("\n")
        elif tag in _PARAGRAPH_TAGS:
            self._newline(2)
        elif tag in _LINE_TAGS:
            self._newline(1)
            if tag == "pre":
                self.pre_depth += 1
            elif tag == "li":
                self._emit("- ")
        elif tag in ("td", "th") and self.out and self.last_char not in ("\n", " "):
            self._emit(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.hidden_tag is not None:
            return
        if tag == "br":
            self._emit("\n")
        elif tag == "hr":
            self._newline(1)
        elif tag == "img":
            self._picture(attrs)

    def _picture(self, attrs: list[tuple[str, str | None]]) -> None:
        """Mark where an attached picture (``src="cid:..."``) stood; remote images leave nothing."""
        values = dict(attrs)
        src = (values.get("src") or "").strip()
        if self.skip_depth or not src.lower().startswith("cid:"):
            return
        self._newline(1)
        self._emit(token("cid", src[4:], values.get("alt") or "").strip("\n") + "\n")

    def handle_endtag(self, tag: str) -> None:
        if self.hidden_tag is not None:
            if tag == self.hidden_tag:
                self.hidden_depth -= 1
                if not self.hidden_depth:
                    self.hidden_tag = None
            return
        if tag in _SKIPPED_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _PARAGRAPH_TAGS:
            self._newline(2)
        elif tag in _LINE_TAGS:
            self._newline(1)
            if tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if self.skip_depth or self.hidden_tag is not None:
            return
        if not self.pre_depth:
            data = re.sub(r"[ \t\r\n\f]+", " ", data)
            if not self.out or self.last_char == "\n":
                data = data.lstrip(" ")
        self._emit(data)


def html_to_text(html: str, *, deadline: Deadline | None = None) -> str:
    """Convert an HTML body to plain text: sanitized first (nh3), then paragraphs kept, tags dropped.

    The body is bounded first (:func:`mailbot.mail.htmlguard.limit_html`: nesting flattened beyond a
    few hundred levels, :class:`MessageError` when it is too long); ``deadline`` is checked
    between chunks of the rendering.
    """
    safe = sanitize_html(limit_html(unix_newlines(html), deadline=deadline))
    check_deadline(deadline)
    renderer = _TextRenderer()
    for start in range(0, len(safe), _RENDER_CHUNK):
        renderer.feed(safe[start : start + _RENDER_CHUNK])
        check_deadline(deadline)
    renderer.close()
    text = "".join(renderer.out).replace("\xa0", " ")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
