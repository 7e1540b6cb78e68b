"""The public comment form of ``mailbot serve`` (``[comments] form = true``): a Flask Blueprint.

``GET /comment?post=ID`` serves the form (fields **Name**, **Email**, **Comment**, button
**Send**) with a signed timestamp; ``POST /comment`` takes a comment into moderation and
answers **202** ("it will appear after a moderator approves it"). No JavaScript anywhere.

What is refused, each without a pending comment: a filled honeypot field (``website``, hidden
from people), a form sent sooner than ``[comments] min_seconds`` after it was served, a comment
longer than ``max_chars`` or with more than ``max_links`` links, more than ``rate_per_hour``
comments from one network address, a request whose ``Origin`` is neither ``[site] base_url``'s
nor this server's, a post that is not published. The form on the static post pages carries no
timestamp (it was rendered at publish time): it is answered with this form, filled in, to send
again, which is when the fill time starts.

The desk's app calls :func:`register`; the blueprint needs nothing else from it.
"""

from __future__ import annotations

import gettext
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, render_template_string, request

from mailbot.comments import notify
from mailbot.comments.guard import (
    MAX_AGE,
    RateLimit,
    check_token,
    count_links,
    form_key,
    plausible_email,
    sign,
)
from mailbot.comments.model import CommentStatus
from mailbot.comments.store import CommentStore, valid_post_id
from mailbot.config import Config
from mailbot.drafts.store import DraftStore
from mailbot.errors import MailbotError
from mailbot.models import Redaction, Status
from mailbot.safety import redact
from mailbot.textutil import clean_text
from mailbot.wording import parse_locale, translations

log = logging.getLogger(__name__)

PAGE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{ title }}</title></head>
<body>
<main>
<h1>{{ title }}</h1>
{% if message %}<p class="message" role="status">{{ message }}</p>{% endif %}
{% if form %}
<form method="post" action="{{ action }}">
<input type="hidden" name="post" value="{{ post }}">
<input type="hidden" name="token" value="{{ token }}">
<p><label for="name">{{ _("Name") }}</label>
<input id="name" name="name" maxlength="80" value="{{ name }}"></p>
<p><label for="email">{{ _("Email") }}</label>
<input id="email" name="email" type="email" maxlength="254" value="{{ email }}"></p>
<p><label for="text">{{ _("Comment") }}</label><br>
<textarea id="text" name="text" rows="8" cols="60" required>{{ text }}</textarea></p>
<p style="display:none" aria-hidden="true"><label for="website">Website</label>
<input id="website" name="website" tabindex="-1" autocomplete="off"></p>
<p><button type="submit">{{ _("Send") }}</button></p>
</form>
{% endif %}
{% if back %}<p><a href="{{ back }}">{{ back_label }}</a></p>{% endif %}
</main>
</body>
</html>
"""


TAKEN = "Thank you: your comment was received. It will appear under the post after a moderator approves it."


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


def make_blueprint(config: Config, *, clock: Callable[[], float] = time.time) -> Blueprint:
    """The ``/comment`` endpoint for ``config``."""
    bp = Blueprint("comments", __name__)
    c = config.comments
    site_origin = _origin(config.site.base_url)
    own_origin = _origin(config.review.base_url)
    locale = parse_locale(config.site.language)
    words: gettext.NullTranslations = translations(locale) if locale else gettext.NullTranslations()
    lang = config.site.language
    drafts = DraftStore(config.paths.drafts)
    store = CommentStore(config.paths.drafts, config.ledger_path)
    rate = RateLimit(config.ledger_path)
    key = form_key(config.paths.state)

    def _(message: str) -> str:
        return words.gettext(message)

    def page(status: int, title: str, message: str = "", **form: Any) -> Response:
        html = render_template_string(
            PAGE, lang=lang, title=title, message=message, _=_, action=request.path, **form
        )
        response = Response(html, status=status, mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; form-action 'self'; style-src 'unsafe-inline'"
        )
        origin = request.headers.get("Origin")
        if origin and _origin(origin) == site_origin:
            response.headers["Access-Control-Allow-Origin"] = site_origin or ""
            response.headers["Vary"] = "Origin"
        return response

    def form_page(status: int, post: str, message: str = "", **values: str) -> Response:
        token = sign(key, post, int(clock()))
        return page(status, _("Comment"), message, form=True, post=post, token=token,
                    name=values.get("name", ""), email=values.get("email", ""), text=values.get("text", ""),
                    back=None)  # fmt: skip

    def published(post: str) -> bool:
        if not valid_post_id(post) or not drafts.exists(post):
            return False
        try:
            return drafts.read(post).status is Status.PUBLISHED
        except MailbotError:
            return False

    def client_addr() -> str:
        if config.review.trust_proxy:
            forwarded = request.headers.get("X-Forwarded-For", "")
            if forwarded.strip():
                return forwarded.split(",")[0].strip()
        return request.remote_addr or "unknown"

    @bp.get("/comment")
    def show() -> Response:
        post = request.args.get("post", "")
        if not published(post):
            return page(404, _("Comment"), "There is no such post.")
        return form_page(200, post)

    @bp.post("/comment")
    def take() -> Response:
        origin = request.headers.get("Origin")
        if origin and _origin(origin) not in {site_origin, own_origin, _origin(request.host_url)}:
            return page(403, _("Comment"), "Comments are taken only from the blog's own pages.")
        f = request.form
        post = f.get("post", "")
        name = clean_text(f.get("name", ""), multiline=False)[:80]
        email = clean_text(f.get("email", ""), multiline=False)
        text = clean_text(f.get("text", "")).strip()
        try:
            if not published(post):
                raise _Refused(404, "There is no such post.")
            if f.get("website", ""):
                raise _Refused(400, "This comment cannot be taken.")
            token = f.get("token", "")
            now = int(clock())
            age = check_token(key, post, token, now) if token else None
            if age is None or age > MAX_AGE:
                # The static page's form (or a stale one): this one, filled in, to send again.
                return form_page(200, post, "Please check your comment and send it again.",
                                 name=name, email=email, text=text)  # fmt: skip
            if age < c.min_seconds:
                raise _Refused(
                    429, "This comment was sent too fast; please wait a few seconds and send it again."
                )
            if not text:
                raise _Refused(400, "The comment is empty.")
            if len(text) > c.max_chars:
                raise _Refused(413, f"The comment is too long: at most {c.max_chars} characters.")
            if count_links(text) > c.max_links:
                raise _Refused(400, f"The comment has too many links: at most {c.max_links}.")
            if email and not plausible_email(email):
                raise _Refused(400, "The e-mail address does not look right; leave it empty or correct it.")
            if not rate.allow(client_addr(), now, c.rate_per_hour):
                raise _Refused(429, "Too many comments from this address; please try again later.")
        except _Refused as refused:
            log.info("form comment on %s refused (%d)", post if valid_post_id(post) else "?", refused.status)
            return page(refused.status, _("Comment"), refused.message)
        hidden, pairs = redact.redact(text, config.redaction.patterns, config.site.language)
        comment = store.add(
            post=post, name=name, email=email, text=hidden, received=datetime.now(UTC).replace(microsecond=0),
            via="form", status=CommentStatus.PENDING,
            redactions=tuple(Redaction(x.kind, "text", mark, x.original) for x, mark in pairs),
            also=notify.recorded(config),
        )  # fmt: skip
        log.info("form comment %s on %s taken", comment.id if comment else "?", post)
        return page(
            202,
            _("Comment"),
            TAKEN,
        )

    return bp


def register(app: Flask, config: Config) -> None:
    """Add the public comment endpoint to ``app`` (the desk's) when ``[comments] form = true``."""
    if config.comments.form:
        app.register_blueprint(make_blueprint(config))
