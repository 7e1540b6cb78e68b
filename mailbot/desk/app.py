"""The review desk's Flask application: sessions, CSRF, security headers, language, proxy.

A thin layer: every change a reviewer makes goes through the drafts library
(:mod:`mailbot.drafts.review`, :mod:`mailbot.drafts.edit`) or the publisher, the same calls
as the command line. Sessions are Flask's signed cookie (key in the state folder, mode 0600),
HttpOnly, SameSite=Strict, Secure when the request came over https, and expire after
``[review] session_hours``. CSRF: a random token kept in the signed session must come back
with every POST (compared in constant time); the desk has no JavaScript and no cross-site forms,
so this small check replaces a form library.
"""

from __future__ import annotations

import gettext
import hmac
import io
import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, abort, request, session
from flask.sessions import SecureCookieSessionInterface
from flask.wrappers import Response
from werkzeug.middleware.proxy_fix import ProxyFix

from mailbot.config import Config
from mailbot.desk.auth import Limiter, Reviewers, session_key
from mailbot.errors import ConfigError
from mailbot.wording import LOCALE_DIR, parse_locale

HERE = Path(__file__).parent

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# The rendered post shown inside the draft page: no script at all, only framed by the desk.
PREVIEW_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'self'; base-uri 'none'"


class _SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure exactly when the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure


class _Prefix:
    """Serve the desk under the path of ``[review] base_url`` (``/review/``), whatever the proxy sends."""

    def __init__(self, app: Callable[..., Iterable[bytes]], prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == self.prefix or path.startswith(self.prefix + "/"):
            environ["PATH_INFO"] = path[len(self.prefix) :] or "/"
        environ["SCRIPT_NAME"] = self.prefix
        return self.app(environ, start_response)


def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _check_csrf() -> None:
    # The public comment form has no desk session: it answers to its own checks (the Origin, a
    # signed fill time, a honeypot, limits; mailbot.comments.web).
    if request.method != "POST" or request.blueprint == "comments":
        return
    sent = request.form.get("csrf_token", "")
    kept = session.get("csrf")
    if not isinstance(kept, str) or not hmac.compare_digest(sent.encode(), kept.encode()):
        abort(403)


def _headers(response: Response) -> Response:
    preview = request.endpoint == "desk.site_file"
    response.headers["Content-Security-Policy"] = PREVIEW_CSP if preview else CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if preview else "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def desk_language(config: Config) -> str:
    """``[review] language``, else ``[site] language``."""
    return config.review.language or config.site.language


def desk_words(language: str) -> gettext.NullTranslations:
    """The desk's words in ``language``: ``locale/<lang>/LC_MESSAGES/desk.po`` beside the theme's catalog.

    Read with Babel at run time like the theme's (:mod:`mailbot.wording`); English when none ships.
    """
    locale = parse_locale(language)
    codes = [str(locale), locale.language] if locale is not None else []
    for code in dict.fromkeys(codes):
        po = LOCALE_DIR / code / "LC_MESSAGES" / "desk.po"
        if not po.is_file():
            continue
        try:
            catalog = read_po(io.BytesIO(po.read_bytes()), locale=code, domain="desk")
            mo = io.BytesIO()
            write_mo(mo, catalog)
            mo.seek(0)
            return gettext.GNUTranslations(mo)
        except Exception as exc:  # Babel and gettext raise assorted errors on a damaged catalog
            raise ConfigError(f"the catalog {po} is damaged ({exc}); restore it from the release.") from exc
    return gettext.NullTranslations()


def create_app(config: Config, *, signin_delay: float = 0.5) -> Flask:
    """The desk for ``config``; ``signin_delay`` is the wait after one failed sign-in (it grows)."""
    from mailbot.comments import web as comments_web
    from mailbot.desk import comments as desk_comments
    from mailbot.desk import views

    app = Flask("mailbot.desk", template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"))
    app.secret_key = session_key(config.paths.state)
    app.session_interface = _SessionInterface()
    prefix = urlsplit(config.review.base_url or "").path.rstrip("/")
    app.config.update(
        SESSION_COOKIE_NAME="mailbot_desk",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PATH=prefix or "/",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.review.session_hours),
        MAX_CONTENT_LENGTH=4 * 1024 * 1024,
    )
    app.extensions["mailbot"] = {
        "config": config,
        "reviewers": Reviewers(config.ledger_path),
        "limiter": Limiter(),
        "signin_delay": signin_delay,
        "preview_root": config.paths.state / "desk-preview",
    }
    app.jinja_env.add_extension("jinja2.ext.i18n")
    words = desk_words(desk_language(config))
    app.jinja_env.install_gettext_translations(words, newstyle=True)  # type: ignore[attr-defined]
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["lang"] = desk_language(config)
    app.before_request(_check_csrf)
    app.after_request(_headers)
    app.register_blueprint(views.desk)
    desk_comments.register(app)  # the comments queue (/comments) and the comments on each draft page
    comments_web.register(app, config)  # the public /comment endpoint, with [comments] form = true
    if config.review.trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)  # type: ignore[method-assign]
    if prefix:
        app.wsgi_app = _Prefix(app.wsgi_app, prefix)  # type: ignore[method-assign]
    return app
