"""``mailbot run``: the background service.

One APScheduler interval job polls the source (``max_instances=1``,
coalescing). Where the source can wait for new mail (IMAP IDLE), a watcher
thread wakes the job as soon as a message arrives. Transient failures are
retried with exponential backoff and jitter; an authentication failure stops
the service, since retrying a wrong password only locks the account.
SIGTERM/SIGINT finish the message in hand, then the service exits 0.
"""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import random
import signal
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from .errors import AuthenticationError, MailbotError
from .models import Source
from .pipeline import Pipeline

log = logging.getLogger(__name__)

JOB_ID = "poll"
BACKOFF_BASE = 2.0
BACKOFF_CAP = 300.0
IDLE_CHUNK = 60.0  # seconds per IDLE call; RFC 2177 asks for re-IDLE before 29 minutes


def backoff_delay(failures: int, interval: float, rng: random.Random) -> float:
    """Seconds to wait after ``failures`` failures in a row: doubling, capped, with jitter."""
    delay = min(BACKOFF_CAP, interval, BACKOFF_BASE * 2 ** (failures - 1))
    return float(delay * rng.uniform(0.5, 1.0))


class Service:
    """Polls ``make_source()`` through ``pipeline`` until ``stop`` is set."""

    def __init__(
        self,
        pipeline: Pipeline,
        make_source: Callable[[], Source],
        *,
        interval: float,
        idle: bool = False,
        rng: random.Random | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.make_source = make_source
        self.interval = interval
        self.idle = idle
        self.rng = rng or random.Random()
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.failures = 0
        self.exit_code = 0
        self._closing = False
        self._closing_lock = threading.Lock()
        self._scheduler = BackgroundScheduler(job_defaults={"max_instances": 1, "coalesce": True})

    # The job: one or more cycles, until no wake-up arrived meanwhile.
    def poll(self) -> None:
        while not self.stop.is_set():
            self.wake.clear()
            if not self._cycle():
                return
            if not self.wake.is_set():
                return

    def _cycle(self) -> bool:
        source = None
        try:
            source = self.make_source()
            report = self.pipeline.run(source, stop=self.stop)
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
        finally:
            if source is not None:
                source.close()
        if self.failures:
            log.info("recovered after %d failed poll(s)", self.failures)
            self.failures = 0
            self._reschedule(self.interval)
        if report.seen:
            log.info("%s", report.summary())
        return True

    def _retry_later(self, reason: str) -> None:
        self.failures += 1
        delay = backoff_delay(self.failures, self.interval, self.rng)
        log.warning("poll failed (%s); retrying in %.0f s", reason, delay)
        self._reschedule(delay)

    def _reschedule(self, delay: float) -> None:
        # APScheduler's shutdown() holds its job-store lock while it waits for the running
        # job; a job calling modify_job() then would deadlock. Our own lock and flag make
        # sure no reschedule starts once closing has begun.
        when = datetime.now().astimezone() + timedelta(seconds=delay)
        with self._closing_lock:
            if self._closing:
                return
            with contextlib.suppress(JobLookupError):
                self._scheduler.modify_job(JOB_ID, next_run_time=when)

    def wake_now(self) -> None:
        """Run the poll job as soon as possible (or once more, if it is running)."""
        self.wake.set()
        self._reschedule(0)

    def _watch(self) -> None:
        """IDLE watcher: wakes the poll job when the server announces new mail."""
        failures = 0
        while not self.stop.is_set():
            watcher = None
            try:
                watcher = self.make_source()
                while not self.stop.is_set():
                    if watcher.wait_for_new(IDLE_CHUNK):  # type: ignore[attr-defined]
                        log.info("new mail announced; polling now")
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

    def run(self, install_signals: bool = True) -> int:
        """Run until SIGTERM/SIGINT (or ``stop``); returns the exit status."""
        if install_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, self._on_signal)
            # `kill -USR1 PID` prints every thread's stack: how to see where a stuck service is.
            faulthandler.register(signal.SIGUSR1, all_threads=True)
        self._scheduler.add_job(
            self.poll, "interval", seconds=self.interval, id=JOB_ID, next_run_time=datetime.now().astimezone()
        )
        self._scheduler.start()
        watcher = None
        if self.idle:
            watcher = threading.Thread(target=self._watch, name="mailbot-idle", daemon=True)
            watcher.start()
        log.info("service started: polling every %.0f s%s", self.interval, " with IDLE" if self.idle else "")
        while not self.stop.wait(1.0):
            pass
        log.info("stopping: finishing the message in hand")
        with self._closing_lock:
            self._closing = True
        self._scheduler.shutdown(wait=True)
        if watcher is not None:
            watcher.join(timeout=2.0)
        log.info("service stopped")
        return self.exit_code

    def _on_signal(self, signum: int, frame: Any) -> None:
        log.info("received %s", signal.Signals(signum).name)
        self.stop.set()
