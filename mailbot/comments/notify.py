"""Who hears of comments by mail: the moderators of new comments, a commenter when theirs is on the site.

Both go through the outbox (:mod:`mailbot.outbox.outbox`), recorded in the ledger transaction
of the event that causes them, and only when ``[smtp]`` is configured:

- **Moderators** (``[comments] notify``; unset: the reviewers, as for new drafts) hear of each new
  *pending* comment, in the transaction that records it (:func:`recorded`, passed to
  :meth:`CommentStore.add`). Comments arriving before the mail is sent join it: the queued mail
  is rewritten to list them all (at most :data:`BATCH_MAX`), so a batch is one mail. The mail
  shows the post's title, the commenter's name (never their address), when, how many values
  were hidden, and the first lines of the text with every private value hidden (a value a
  moderator put back is hidden again here).
- **A commenter** who left an address (``[comments] notify_commenter``) gets the link to their
  comment once it is on the site: approving records the mail *held* (in the transaction of the
  approval's audit entry, :func:`approved`), rejecting or deleting drops it if it is not yet sent
  (:func:`withdrawn`),
  and the publish that puts the comment on a page releases it with the link (:func:`release`,
  one transaction with the audit entries "comment publish"). Each comment is mailed once.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from email.message import EmailMessage
from typing import Any

from mailbot import database
from mailbot.comments.model import Comment, CommentStatus
from mailbot.comments.store import CommentStore, loads
from mailbot.config import Config
from mailbot.drafts import audit
from mailbot.drafts.store import DraftStore
from mailbot.errors import MailbotError
from mailbot.outbox import notices, outbox
from mailbot.outbox.compose import Composer, Notice, message_id

log = logging.getLogger(__name__)

MODERATE = "comments"  # the moderators' mail (template comments.txt)
PUBLISHED = "comment_published"  # the commenter's mail (template comment_published.txt)
BATCH_MAX = 50  # comments in one moderators' mail; the next starts a new one
FIRST_LINES = 6
LINE_MAX = 200

OnRecorded = Callable[[sqlite3.Connection, Comment], None]


def moderators(config: Config) -> list[str]:
    """``[comments] notify`` when set, else the reviewers (``[notify] reviewers`` and the desk's)."""
    listed = config.comments.notify
    if listed is None:
        return notices.reviewer_addresses(config)
    return list(dict.fromkeys(a.strip().lower() for a in listed if "@" in a))


def masked(comment: Comment) -> str:
    """The comment's text with every private value hidden, even one a moderator put back."""
    text = comment.text
    for r in comment.redactions:
        if r.restored and r.original:
            text = text.replace(r.original, r.placeholder)
    return text


def _shown_name(name: str) -> str:
    # A name that carries an address would hand the commenter's address to the moderators.
    return "" if "@" in name else name


def _describe(c: Comment, title: str, config: Config) -> dict[str, Any]:
    lines = [line.strip()[:LINE_MAX] for line in masked(c).splitlines() if line.strip()]
    return {
        "number": c.id,
        "title": title,
        "name": _shown_name(c.name),
        "when": c.received.astimezone(config.site.tz).strftime("%Y-%m-%d %H:%M"),
        "via": c.via,
        "hidden": sum(1 for r in c.redactions if not r.restored),
        "lines": lines[:FIRST_LINES],
        "more": len(lines) > FIRST_LINES,
    }


def _title(drafts: DraftStore, post: str) -> str:
    try:
        return drafts.read(post).title
    except MailbotError:
        return post


def _numbers(event: str) -> list[int]:
    return [int(n) for n in event.rpartition(":")[2].split(",") if n.isdigit()]


def _earlier(db: sqlite3.Connection, store: CommentStore, number: int) -> Comment | None:
    """A comment of the batch, read again (None when it is gone or no longer pending)."""
    row = db.execute("SELECT post FROM comments WHERE id = ? AND state = 'stored'", (number,)).fetchone()
    if row is None:
        return None
    try:
        path = store.path(str(row[0]), number)
        c = loads(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, MailbotError):
        return None
    return c if c.status is CommentStatus.PENDING else None


def _batch_mail(config: Config, comp: Composer, address: str, batch: Sequence[Comment]) -> Notice:
    """The moderators' mail to ``address`` listing ``batch``."""
    drafts = DraftStore(config.paths.drafts)
    titles: dict[str, str] = {}
    items = [_describe(c, titles.setdefault(c.post, _title(drafts, c.post)), config) for c in batch]
    base = config.review.base_url
    event = f"{MODERATE}:{address}:{','.join(str(c.id) for c in batch)}"
    values = {"items": items, "count": len(items), "link": f"{base}comments" if base else None}
    return comp.compose(event, MODERATE, address, values)


def _moderators_mail(
    db: sqlite3.Connection, config: Config, comp: Composer, who: Sequence[str], comment: Comment
) -> None:
    store = CommentStore(config.paths.drafts, config.ledger_path)
    for address in who:
        found = outbox.last_queued(db, MODERATE, address)
        numbers = _numbers(found[1]) if found else []
        if len(numbers) >= BATCH_MAX:
            found, numbers = None, []
        batch = [c for n in numbers if n != comment.id and (c := _earlier(db, store, n))] + [comment]
        notice = _batch_mail(config, comp, address, batch)
        if found:
            outbox.rewrite(db, found[0], notice)  # the queued mail grows: one mail per batch
        else:
            outbox.enqueue(db, [notice])


def _held(config: Config, comp: Composer, comments: Iterable[Comment]) -> list[Notice]:
    """The commenters' mails, held until the comments are on the site (placeholders until then)."""
    if not config.comments.notify_commenter:
        return []
    found = []
    for c in comments:
        address = c.email.strip().lower()
        if "@" not in address or any(ch.isspace() for ch in address):
            continue
        event = f"{PUBLISHED}:{c.id}"
        placeholder = EmailMessage()
        placeholder["Message-ID"] = message_id(event, comp.sender)
        found.append(Notice(event, PUBLISHED, address, placeholder))
    return found


def recorded(config: Config) -> OnRecorded | None:
    """What recording a new comment also does, in its transaction: tell the moderators of a pending
    comment; hold the commenter's mail of one approved on arrival (``auto_approve``)."""
    comp = notices.composer(config)
    if comp is None:
        return None
    who = moderators(config)  # read before the comment's transaction begins

    def also(db: sqlite3.Connection, comment: Comment) -> None:
        if comment.status is CommentStatus.PENDING:
            if who:
                _moderators_mail(db, config, comp, who, comment)
        elif comment.status is CommentStatus.APPROVED:
            outbox.hold(db, _held(config, comp, [comment]))

    return also


def approved(
    config: Config | None, comments: Sequence[Comment]
) -> Callable[[sqlite3.Connection], None] | None:
    """Hold the commenters' mails of newly approved comments (in the approval's transaction)."""
    comp = notices.composer(config) if config is not None else None
    mail = _held(config, comp, comments) if config is not None and comp is not None else []
    return (lambda db: outbox.hold(db, mail)) if mail else None


def withdrawn(
    comments: Sequence[Comment], config: Config | None = None
) -> Callable[[sqlite3.Connection], None] | None:
    """Drop the unsent mails of comments rejected, deleted or put back to pending: no link to nothing.

    With ``config``, for comments deleted: the moderators' mails not yet sent are written again
    without them (or dropped when nothing else is left), so a deleted text leaves in no mail.
    """
    events = [f"{PUBLISHED}:{c.id}" for c in comments]
    if not events:
        return None
    comp = notices.composer(config) if config is not None else None
    gone = {c.id for c in comments}

    def also(db: sqlite3.Connection) -> None:
        outbox.drop_unsent(db, events)
        if config is None or comp is None:
            return
        store = CommentStore(config.paths.drafts, config.ledger_path)
        for row_id, event, address in outbox.unsent(db, MODERATE):
            numbers = _numbers(event)
            if gone.isdisjoint(numbers):
                continue
            rest = [c for n in numbers if n not in gone and (c := _earlier(db, store, n))]
            if rest:
                outbox.rewrite(db, row_id, _batch_mail(config, comp, address, rest))
            else:
                outbox.drop_unsent(db, [event])

    return also


def deleted(comments: Sequence[Comment]) -> Callable[[sqlite3.Connection], None] | None:
    """Empty the ledger's copies of mails already sent about comments deleted for good.

    The commenter's mail (its address) and the moderators' mails that quoted the text stay
    as rows (sent once, counted by the hourly cap) without their message, and the commenter's
    without the address: "delete" leaves the text and the address nowhere mailbot keeps.
    """
    gone = {c.id for c in comments}
    if not gone:
        return None
    told = {f"{PUBLISHED}:{n}" for n in gone}

    def also(db: sqlite3.Connection) -> None:
        outbox.forget_sent(
            db, [i for i, e, _ in outbox.sent_rows(db, PUBLISHED) if e in told], recipient=True
        )
        quoted = [i for i, e, _ in outbox.sent_rows(db, MODERATE) if not gone.isdisjoint(_numbers(e))]
        outbox.forget_sent(db, quoted)

    return also


def release(
    config: Config,
    shown: Mapping[str, Sequence[int]],
    about: Callable[[str], tuple[str, str]],
) -> int:
    """After a publish: the held mails of comments now on the site go out, with the link.

    ``shown`` maps each post on the site to the numbers of the comments its page shows;
    ``about(post)`` gives its title and address. Returns how many mails were released.
    """
    comp = notices.composer(config)
    if comp is None or not config.comments.notify_commenter:
        return 0  # mails held while it was on stay held
    ledger = config.ledger_path
    if not ledger.exists():
        return 0
    db = database.connect(ledger)  # migrated: a ledger of an older mailbot may have no outbox yet
    try:
        waiting = outbox.held(db, PUBLISHED)
    except sqlite3.Error as exc:
        raise MailbotError(f"the outbox in {ledger} cannot be read ({exc}).") from exc
    finally:
        db.close()
    if not waiting:
        return 0
    on_page = {n: post for post, numbers in shown.items() for n in numbers}
    ready: list[tuple[int, Notice]] = []
    rows = []
    for row_id, event, recipient in waiting:
        number = _numbers(event)[0] if _numbers(event) else -1
        post = on_page.get(number)
        if post is None:
            continue  # not on the site yet (its post unpublished, or the publish before this one)
        title, link = about(post)
        values = {"title": title, "link": f"{link}#comment-{number}"}
        ready.append((row_id, comp.compose(event, PUBLISHED, recipient, values)))
        rows.append(
            (post, audit.PIPELINE, "comment publish", f"comment {number} on the site; its author is told")
        )

    def send(db: sqlite3.Connection) -> None:
        for row_id, notice in ready:
            # Read before this transaction: released only if it is still that comment's held row.
            outbox.rewrite(db, row_id, notice, was=notice.event)

    audit.record(ledger, rows, also=send)
    return len(ready)
