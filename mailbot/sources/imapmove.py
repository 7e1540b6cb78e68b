"""Moving handled and quarantined messages out of the IMAP folder, never deleting one.

``MOVE`` where the server has it; else ``COPY``, then ``\\Deleted`` and a ``UID EXPUNGE`` of that UID.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging

from mailbot.errors import SourceError
from mailbot.models import RawMessage
from mailbot.sources.imapconn import ImapConnection

log = logging.getLogger(__name__)

COPIED_KEYWORD = "$MailbotCopied"
"""Set on a message once it was copied (no-MOVE servers), so a retry never copies it twice."""

_DELETED = b"\\Deleted"


class ImapMoves(ImapConnection):
    """Moves of UIDs out of ``config.folder``: idempotent, so a crash before the ledger knew is harmless."""

    name: str
    _folders_ready: set[str]

    def _uid_of(self, message: RawMessage) -> int:
        if message.source != self.name:
            raise SourceError(f"message {message.key} comes from {message.source}, not from {self.name}.")
        try:
            uidvalidity, uid = (int(part) for part in message.key.split(":"))
        except ValueError as exc:
            raise SourceError(f"{message.key!r} is not an IMAP message key (<uidvalidity>:<uid>).") from exc
        self._connection()
        if uidvalidity != self.uidvalidity:
            # The UID may now name another message: touching it could file the wrong letter.
            raise SourceError(
                f"the UIDVALIDITY of {self.config.folder} changed from {uidvalidity} to {self.uidvalidity}, "
                f"so message {message.key} was left in place; it will be read again under a new key."
            )
        return uid

    def _move(self, uid: int, folder: str) -> bool:
        """Move one UID to ``folder``; False if it is not in the source folder (already moved)."""
        client = self._connection()
        with self._errors(f"moving UID {uid} to {folder}"):
            self._ensure_folder(folder)
            # Idempotence: a crash after the move but before the ledger recorded it is harmless.
            if not client.search([b"UID", str(uid).encode()]):
                log.info("UID %s is no longer in %s; nothing to move", uid, self.config.folder)
                return False
            if client.has_capability("MOVE"):
                client.move([uid], folder)
            else:
                self._copy_then_expunge(uid, folder)
        return True

    def _move_many(self, uids: list[int], folder: str) -> int:
        """Move the UIDs still in the source folder to ``folder`` in one command; how many moved."""
        client = self._connection()
        with self._errors(f"moving {len(uids)} message(s) to {folder}"):
            self._ensure_folder(folder)
            present = sorted(int(u) for u in client.search([b"UID", ",".join(map(str, uids)).encode()]))
            if not present:
                return 0
            if client.has_capability("MOVE"):
                client.move(present, folder)
            else:
                for uid in present:
                    self._copy_then_expunge(uid, folder)
        return len(present)

    def _copy_then_expunge(self, uid: int, folder: str) -> None:
        client = self._client
        if not client.has_capability("UIDPLUS"):
            # A plain EXPUNGE would also remove messages others flagged \Deleted: mail is never deleted.
            raise SourceError(
                f"the IMAP server {self._where} supports neither MOVE nor UIDPLUS, so mailbot cannot "
                "move one message safely; use a server with either extension."
            )
        flags = client.get_flags([uid]).get(uid, ())
        if COPIED_KEYWORD.encode() not in flags:
            client.copy([uid], folder)
            client.add_flags([uid], [COPIED_KEYWORD], silent=True)
        client.add_flags([uid], [_DELETED], silent=True)
        client.uid_expunge([uid])

    def _finish_interrupted_moves(self) -> None:
        """Expunge messages a crashed COPY-based move had already copied (no-MOVE servers only)."""
        client = self._client
        if client.has_capability("MOVE") or not client.has_capability("UIDPLUS"):
            return
        copied = client.search([b"KEYWORD", COPIED_KEYWORD.encode()])
        if copied:
            log.info("finishing %d interrupted move(s) in %s", len(copied), self.config.folder)
            client.add_flags(copied, [_DELETED], silent=True)
            client.uid_expunge(copied)

    def _ensure_folder(self, folder: str) -> None:
        """Create and subscribe ``folder`` the first time this source uses it."""
        if folder in self._folders_ready:
            return
        client = self._client
        if not client.folder_exists(folder):
            try:
                client.create_folder(folder)
                log.info("created IMAP folder %s", folder)
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error:
                if not client.folder_exists(folder):  # not a race with another client: a real failure
                    raise
        # Subscribed so that people see the folder in their mail program.
        with contextlib.suppress(imaplib.IMAP4.error):
            client.subscribe_folder(folder)
        self._folders_ready.add(folder)
