"""A linear pre-pass that bounds an HTML body before the sanitizer sees it.

nh3 (ammonia over html5ever) takes time quadratic in the depth of the document: 100,000
nested ``<div>`` took 45 s, 20,000 ``<font size=N>`` left open 48 s (each open formatting
element is rebuilt at every piece of text). :func:`limit_html` walks the tags once, keeps an
estimate of the tree html5ever will build and drops every start tag (and its end tag) that
would nest deeper than :data:`MAX_DEPTH`: the text stays, the structure beyond that depth is
flattened. The estimate errs on the deep side (a tag it cannot place counts as open), so it
never lets through a document that nests much deeper than the limit; a real letter nests a
few dozen levels at most. A body longer than :data:`MAX_HTML_CHARS` is refused.
"""

from __future__ import annotations

import re

from mailbot.budget import Deadline
from mailbot.budget import check as check_deadline
from mailbot.errors import MessageError

MAX_DEPTH = 256
"""Elements nested deeper than this are flattened (their tags dropped, their text kept)."""
MAX_HTML_CHARS = 5_000_000
"""An HTML body longer than this is not rendered: the message is refused with the reason."""

# How far down the stack an end tag looks for its element: a bound keeps every tag O(1).
_SEARCH = 64
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param",
     "source", "track", "wbr", "basefont", "bgsound", "frame"}
)  # fmt: skip
# Kept in html5ever's list of active formatting elements: closing another element does not end
# them (they are rebuilt), so they stay counted until their own end tag.
_FORMATTING = frozenset(
    {"a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u"}
)
# An end tag never closes an element below one of these (html5ever's "scope").
_SCOPE = frozenset({"applet", "caption", "html", "table", "td", "th", "marquee", "object", "template"})
# These close a sibling of the same name that is still open ("<li>a<li>b").
_SELF_ENDING = frozenset({"li", "dt", "dd", "td", "th", "tr", "option", "optgroup", "p", "rb", "rt", "rp"})
_BLOCKS_CLOSING_P = frozenset(
    {"address", "article", "aside", "blockquote", "center", "details", "dir", "div", "dl", "fieldset",
     "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "menu", "nav", "ol",
     "p", "pre", "section", "table", "ul"}
)  # fmt: skip
_RAW_TEXT = frozenset(
    {"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "textarea", "title"}
)
_FOREIGN = frozenset({"svg", "math"})
_TAG_START = re.compile(r"<(?:(/?)([A-Za-z][^\s/>]*)|!--|!|\?)")
_ATTR_STOP = re.compile(r"[>=]")
_SPACES = re.compile(r"[ \t\n\r\f]*")


def limit_html(html: str, *, max_depth: int = MAX_DEPTH, deadline: Deadline | None = None) -> str:
    """``html`` with elements nested deeper than ``max_depth`` flattened; linear in its length.

    Raises :class:`MessageError` when the body is longer than :data:`MAX_HTML_CHARS`.
    """
    if len(html) > MAX_HTML_CHARS:
        raise MessageError(
            f"the HTML body is {len(html):,} characters long, more than the {MAX_HTML_CHARS:,} "
            "mailbot renders; ask the sender for a shorter or plain-text message"
        )
    if "<" not in html:
        return html
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # (element, its tags kept)
    foreign = 0  # open <svg>/<math>: inside them <style> and <title> hold markup, not text
    position = index = count = 0
    length = len(html)
    while True:
        match = _TAG_START.search(html, index)
        if match is None:
            break
        count += 1
        if count & 1023 == 0:
            check_deadline(deadline)
        name = match.group(2)
        if name is None:  # <!-- comment -->, <!doctype>, <?...>: up to where html5ever ends them
            if match.group() == "<!--":
                close = html.find("-->", match.end())
                index = length if close < 0 else close + 3
            elif foreign and html.startswith("<![CDATA[", match.start()):
                close = html.find("]]>", match.end())
                index = length if close < 0 else close + 3
            else:
                close = html.find(">", match.end())
                index = length if close < 0 else close + 1
            continue
        end = _tag_end(html, match.end())
        index = end
        name = name.lower()
        if match.group(1):
            kept = _close(stack, name)
            if name in _FOREIGN and foreign:
                foreign -= 1
        elif name in _VOID:
            kept = True
        elif name == "plaintext" or (name in _RAW_TEXT and not foreign):
            # Text up to "</name" (to the end for <plaintext>): no tag inside counts, and the
            # element is always kept, so that a deep <script> is never turned into visible text.
            kept = True
            closing = re.compile(r"</" + re.escape(name) + r"[\s/>]", re.IGNORECASE).search(html, end)
            index = length if closing is None or name == "plaintext" else closing.start()
        else:
            top = stack[-1][0] if stack else ""
            if (top == "p" and name in _BLOCKS_CLOSING_P) or (top == name and name in _SELF_ENDING):
                stack.pop()  # "<p>a<div>", "<li>a<li>b": the open one ends here
            kept = len(stack) < max_depth
            stack.append((name, kept))
            if name in _FOREIGN:
                foreign += 1
        if not kept:
            out.append(html[position : match.start()])
            position = end
    if not out:
        return html
    out.append(html[position:])
    return "".join(out)


def _tag_end(html: str, cursor: int) -> int:
    """Where a tag whose name ends at ``cursor`` ends: after the first ``>`` outside a quoted value.

    As an HTML tokenizer reads it: a value is quoted when its first character after ``=`` is a
    quote; an unterminated tag runs to the end of the text.
    """
    length = len(html)
    while True:
        stop = _ATTR_STOP.search(html, cursor)
        if stop is None:
            return length
        cursor = stop.end()
        if stop.group() == ">":
            return cursor
        cursor = _SPACES.match(html, cursor).end()  # type: ignore[union-attr]
        if cursor < length and html[cursor] in "\"'":
            closing_quote = html.find(html[cursor], cursor + 1)
            if closing_quote < 0:
                return length
            cursor = closing_quote + 1


def _close(stack: list[tuple[str, bool]], name: str) -> bool:
    """Apply an end tag to the stack; whether to keep it (kept unless its element was dropped)."""
    if stack and stack[-1][0] == name:
        return stack.pop()[1]
    for depth in range(len(stack) - 1, max(-1, len(stack) - 1 - _SEARCH), -1):
        element = stack[depth][0]
        if element == name:
            kept = stack[depth][1]
            above = stack[depth + 1 :]
            del stack[depth:]
            if name in _FORMATTING:
                stack.extend(above)  # misnested formatting: html5ever keeps what was above
            elif element in _SCOPE:
                # A cell or table closing ends the formatting elements opened inside it.
                pass
            else:
                stack.extend(entry for entry in above if entry[0] in _FORMATTING)
            return kept
        if element in _SCOPE:
            break
    return True  # an end tag with no open element: html5ever ignores it; so will the counting
