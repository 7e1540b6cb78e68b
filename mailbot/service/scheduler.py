"""``mailbot run``: the background service.

One APScheduler interval job polls the source (``max_instances=1``,
coalescing). Where the source can wait for new mail (IMAP IDLE), a watcher
thread, started once the first poll worked, wakes the job as soon as a
message arrives. Every failure to reach the mailbox, at start-up too (under
systemd the mail server may start later), is retried with exponential backoff
and jitter; only a refused login stops the service, since retrying a wrong
password only locks the account. SIGTERM/SIGINT finish the message in hand,
then the service exits 0.

With ``[service] publish`` other than ``"manual"`` a second job publishes
approved drafts (``"on-approve"``: soon after they are approved;
``"every N minutes"``: on that schedule), so approvals made outside a terminal
reach the site. Polling and publishing never run at the same time, and a
failed publish is logged and tried again at the next turn.

At the default log level the service says: started (version, mailbox,
folders, schedule), each letter drafted (its draft id), each quarantine (the
pipeline logs it once, with the reason), each post published, failures and
the recovery after them, stopped. Never the text of a letter.
"""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import random
import re
import signal
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from mailbot import __version__
from mailbot.config import Config
from mailbot.errors import AuthenticationError, MailbotError
from mailbot.ingest.pipeline import Pipeline
from mailbot.models import Status
from mailbot.site.deploy import deploy
from mailbot.site.publishing import Publisher
from mailbot.sources.base import Source

log = logging.getLogger(__name__)

JOB_ID = "poll"
PUBLISH_JOB_ID = "publish"
OUTBOX_JOB_ID = "outbox"
BACKOFF_BASE = 2.0
BACKOFF_CAP = 300.0
IDLE_CHUNK = 60.0  # seconds per IDLE call; RFC 2177 asks for re-IDLE before 29 minutes
ON_APPROVE_CHECK = 60.0  # "on-approve" looks for approved drafts at least this often (seconds)
_EVERY = re.compile(r"every (\d+) minutes?")


def backoff_delay(failures: int, interval: float, rng: random.Random) -> float:
    """Seconds to wait after ``failures`` failures in a row: doubling, capped, with jitter."""
    delay = min(BACKOFF_CAP, interval, BACKOFF_BASE * 2 ** (failures - 1))
    return float(delay * rng.uniform(0.5, 1.0))


def publish_period(mode: str, interval: float) -> float | None:
    """Seconds between publish turns for ``[service] publish`` (None for "manual")."""
    if mode == "on-approve":
        return min(float(interval), ON_APPROVE_CHECK)
    m = _EVERY.fullmatch(mode)
    return 60.0 * int(m.group(1)) if m else None


def describe_mailbox(config: Config) -> str:
    """The mailbox and its folders, for the start-up line (never the password)."""
    if config.imap is not None:
        imap = config.imap
        return (
            f"mailbox {imap.username} at {imap.host}:{imap.port} ({imap.security}), folder {imap.folder}, "
            f"handled mail to {imap.processed_folder}, quarantined mail to {imap.failed_folder}"
        )
    return f"Maildir {config.local.maildir}, handled mail to cur/, quarantined mail to .Failed"


class Scheduler(Protocol):
    """What the service asks of APScheduler's ``BackgroundScheduler`` (a test gives a fake)."""

    def add_job(
        self, func: Callable[[], None], trigger: str, *, seconds: float, id: str, next_run_time: datetime
    ) -> object: ...

    def modify_job(self, job_id: str, *, next_run_time: datetime) -> object: ...

    def start(self) -> None: ...

    def shutdown(self, wait: bool = True) -> None: ...


def _background_scheduler() -> Scheduler:
    scheduler: Scheduler = BackgroundScheduler(job_defaults={"max_instances": 1, "coalesce": True})
    return scheduler


def _local_now() -> datetime:
    return datetime.now().astimezone()


class Service:
    """Polls ``make_source()`` through ``pipeline`` until ``stop`` is set.

    ``publish`` is ``[service] publish``; ``publish_every`` overrides its period in
    seconds (for tests and embedding). ``mailbox`` describes the source in the
    start-up log line. ``scheduler`` and ``clock`` (when the jobs run next) are the
    seams a test replaces: :meth:`start` registers the jobs, :meth:`shutdown` ends them.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        make_source: Callable[[], Source],
        *,
        interval: float,
        idle: bool = False,
        rng: random.Random | None = None,
        publish: str = "manual",
        publish_every: float | None = None,
        mailbox: str = "",
        scheduler: Scheduler | None = None,
        clock: Callable[[], datetime] = _local_now,
    ) -> None:
        self.pipeline = pipeline
        self.publisher = Publisher(pipeline.config, pipeline.store, pipeline.ledger.path, pipeline.clock)
        self.make_source = make_source
        self.interval = interval
        self.idle = idle
        self.rng = rng or random.Random()
        self.publish_mode = publish
        self.publish_every = publish_every or publish_period(publish, interval)
        self.mailbox = mailbox
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.failures = 0
        self.publish_failures = 0
        self.exit_code = 0
        self._closing = False
        self._closing_lock = threading.Lock()
        # Polling and publishing take turns: both change drafts, through one Pipeline.
        self._work = threading.Lock()
        self._watcher: threading.Thread | None = None
        self._scheduler = scheduler or _background_scheduler()
        self.clock = clock

    @classmethod
    def for_config(
        cls,
        pipeline: Pipeline,
        make_source: Callable[[], Source],
        *,
        scheduler: Scheduler | None = None,
        clock: Callable[[], datetime] = _local_now,
    ) -> Service:
        """The service ``mailbot run`` starts: interval, IDLE and publishing from ``pipeline.config``."""
        config = pipeline.config
        return cls(
            pipeline,
            make_source,
            interval=config.service.interval,
            idle=config.imap is not None and config.imap.idle,
            publish=config.service.publish,
            mailbox=describe_mailbox(config),
            scheduler=scheduler,
            clock=clock,
        )

    # The job: one or more cycles, until no wake-up arrived meanwhile.
    def poll(self) -> None:
        while not self.stop.is_set():
            self.wake.clear()
            if not self._cycle():
                return
            if not self.wake.is_set():
                return

    def _cycle(self) -> bool:
        try:
            with self._work:
                source = self.make_source()
                try:
                    report = self.pipeline.run(source, stop=self.stop)
                finally:
                    source.close()
        except AuthenticationError as exc:
            log.error("%s The service stops.", exc)
            self.exit_code = 1
            self.stop.set()
            return False
        except MailbotError as exc:
            self._retry_later(str(exc))
            return False
        except Exception as exc:  # the scheduled job must never die
            log.exception("poll failed unexpectedly")
            self._retry_later(f"{type(exc).__name__}: {exc}")
            return False
        if self.failures:
            log.info("recovered: the mailbox answers again after %d failed poll(s)", self.failures)
            self.failures = 0
            self._reschedule(self.interval)
        for draft_id in report.drafted:
            log.info("drafted %s", draft_id)
        if report.seen:
            log.info("%s", report.summary())
        if self.idle and self._watcher is None and not self.stop.is_set():
            # Only now: before the first poll worked, the poll job's backoff is the one retry loop.
            self._watcher = threading.Thread(target=self._watch, name="mailbot-idle", daemon=True)
            self._watcher.start()
        if self.publish_mode == "on-approve":
            self.publish_approved()
        if self.pipeline.config.smtp is not None:
            self._reschedule(0, OUTBOX_JOB_ID)  # the mail this poll caused goes out now, in its own job
        return True

    def _retry_later(self, reason: str) -> None:
        self.failures += 1
        delay = backoff_delay(self.failures, self.interval, self.rng)
        log.warning("poll failed (%s); retrying in %.0f s", reason.rstrip("."), delay)
        self._reschedule(delay)

    def _reschedule(self, delay: float, job: str = JOB_ID) -> None:
        # APScheduler's shutdown() holds its job-store lock while it waits for the running
        # job; a job calling modify_job() then would deadlock. Our own lock and flag make
        # sure no reschedule starts once closing has begun.
        when = self.clock() + timedelta(seconds=delay)
        with self._closing_lock:
            if self._closing:
                return
            with contextlib.suppress(JobLookupError):
                self._scheduler.modify_job(job, next_run_time=when)

    def wake_now(self) -> None:
        """Run the poll job as soon as possible (or once more, if it is running)."""
        self.wake.set()
        self._reschedule(0)

    # -- publishing -------------------------------------------------------------------------------

    def publish_approved(self) -> None:
        """Publish if approved drafts wait; a failure is logged and tried again next turn."""
        if self.stop.is_set():
            return
        try:
            with self._work:
                if not self.pipeline.store.all(Status.APPROVED):
                    return
                newly, report = self.publisher.publish()
        except Exception as exc:  # the job must never die; the approved drafts wait for the next turn
            self.publish_failures += 1
            reason = str(exc) if isinstance(exc, MailbotError) else f"{type(exc).__name__}: {exc}"
            every = self.publish_every
            retry = f"trying again in {every:.0f} s" if every else "trying again with the next poll"
            log.warning("publishing failed (%s); %s", reason.rstrip("."), retry)
            return
        if self.publish_failures:
            log.info("recovered: publishing works again after %d failure(s)", self.publish_failures)
            self.publish_failures = 0
        for draft_id in newly:
            log.info("published %s", draft_id)
        log.info("site updated: %d file(s) written, %d unchanged", len(report.written), report.unchanged)
        try:
            deploy(self.publisher.config.publish.after, self.publisher.config.paths.site)
        except MailbotError as exc:  # the site is published; the deploy runs again after the next one
            log.warning("%s", exc)

    def flush_outbox(self) -> None:
        """Send the queued mail (:mod:`mailbot.outbox`); an SMTP failure is logged, never fatal."""
        from mailbot.outbox.outbox import Outbox

        config = self.pipeline.config
        try:
            with Outbox(self.pipeline.ledger.path, hourly_cap=config.notify.hourly_cap) as outbox:
                report = outbox.flush(config.smtp)
        except Exception as exc:  # the job must never die
            log.warning("sending mail failed (%s); trying again later", exc)
            return
        if report.sent:
            log.info("sent %d mail(s)", report.sent)

    # -- IDLE -------------------------------------------------------------------------------------

    def _watch(self) -> None:
        """IDLE watcher: wakes the poll job when the server announces new mail."""
        failures = 0
        while not self.stop.is_set():
            watcher = None
            try:
                watcher = self.make_source()
                while not self.stop.is_set():
                    if watcher.wait_for_new(IDLE_CHUNK):
                        log.debug("new mail announced; polling now")
                        self.wake_now()
                    failures = 0
            except AuthenticationError:
                return  # the poll job reports it and stops the service
            except Exception as exc:
                failures += 1
                delay = backoff_delay(failures, self.interval, self.rng)
                log.warning("IDLE watcher lost the server (%s); reconnecting in %.0f s", exc, delay)
                self.stop.wait(delay)
                self.wake_now()  # mail may have arrived while the connection was down
            finally:
                if watcher is not None:
                    with contextlib.suppress(Exception):
                        watcher.close()

    # -- life cycle -------------------------------------------------------------------------------

    def run(self, install_signals: bool = True) -> int:
        """Run until SIGTERM/SIGINT (or ``stop``); returns the exit status."""
        if install_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, self._on_signal)
            # `kill -USR1 PID` prints every thread's stack: how to see where a stuck service is.
            faulthandler.register(signal.SIGUSR1, all_threads=True)
        self.start()
        while not self.stop.wait(1.0):
            pass
        log.info("stopping: finishing the message in hand")
        self.shutdown()
        return self.exit_code

    def start(self) -> None:
        """Register the jobs (poll now; publish and send mail when configured) and start them."""
        now = self.clock()
        self._scheduler.add_job(self.poll, "interval", seconds=self.interval, id=JOB_ID, next_run_time=now)
        if self.publish_every:
            self._scheduler.add_job(
                self.publish_approved,
                "interval",
                seconds=self.publish_every,
                id=PUBLISH_JOB_ID,
                next_run_time=now + timedelta(seconds=self.publish_every),
            )
        if self.pipeline.config.smtp is not None:
            self._scheduler.add_job(
                self.flush_outbox,
                "interval",
                seconds=self.pipeline.config.notify.flush_seconds,
                id=OUTBOX_JOB_ID,
                next_run_time=now,
            )
        schedule = f"polling every {self.interval:g} s" + (" and on IDLE" if self.idle else "")
        publishing = "manual" if not self.publish_every else f"{self.publish_mode}"
        log.info(
            "service started: mailbot %s, %s; %s; publishing: %s",
            __version__, self.mailbox or "mailbox", schedule, publishing,
        )  # fmt: skip
        self._scheduler.start()

    def shutdown(self) -> None:
        """Wait for the running job, then stop the scheduler and the IDLE watcher; nothing runs after."""
        with self._closing_lock:
            self._closing = True
        self._scheduler.shutdown(wait=True)
        if self._watcher is not None:
            self._watcher.join(timeout=2.0)
        log.info("service stopped")

    def _on_signal(self, signum: int, frame: Any) -> None:
        log.info("received %s", signal.Signals(signum).name)
        self.stop.set()
