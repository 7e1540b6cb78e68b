"""`Service` (mailbot/service/scheduler.py) without a process: a fake scheduler fires its jobs.

The seam is the ``scheduler`` and ``clock`` of :class:`Service`: the test sees which jobs are
registered with which period and when they are due, and runs a job by calling it, so nothing
here waits for real seconds. The pipeline, the ledger, the drafts and the site are real.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.jobstores.base import JobLookupError
from mailfactory import letter

from mailbot.config import Config, load_config
from mailbot.drafts.store import DraftStore
from mailbot.errors import AuthenticationError, TransientSourceError
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.pipeline import Pipeline
from mailbot.models import RawMessage, Status
from mailbot.service.scheduler import JOB_ID, OUTBOX_JOB_ID, PUBLISH_JOB_ID, Service
from mailbot.sources.base import Source

START = datetime(2007, 1, 23, 9, 0, tzinfo=UTC)


@dataclass
class Job:
    func: Callable[[], None]
    seconds: float
    next_run_time: datetime


@dataclass
class FakeScheduler:
    """Records what the service registers; a test runs a job with :meth:`fire`."""

    jobs: dict[str, Job] = field(default_factory=dict)
    started: bool = False
    shut_down_waiting: bool | None = None
    moves: list[tuple[str, datetime]] = field(default_factory=list)

    def add_job(
        self, func: Callable[[], None], trigger: str, *, seconds: float, id: str, next_run_time: datetime
    ) -> Job:
        assert trigger == "interval" and id not in self.jobs
        self.jobs[id] = Job(func, seconds, next_run_time)
        return self.jobs[id]

    def modify_job(self, job_id: str, *, next_run_time: datetime) -> Job:
        if job_id not in self.jobs:
            raise JobLookupError(job_id)
        self.jobs[job_id].next_run_time = next_run_time
        self.moves.append((job_id, next_run_time))
        return self.jobs[job_id]

    def start(self) -> None:
        self.started = True

    def shutdown(self, wait: bool = True) -> None:
        self.shut_down_waiting = wait

    def fire(self, job_id: str) -> None:
        assert self.started and self.shut_down_waiting is None, "a job ran outside the scheduler's life"
        self.jobs[job_id].func()

    def periods(self) -> dict[str, tuple[float, timedelta]]:
        return {name: (job.seconds, job.next_run_time - START) for name, job in self.jobs.items()}


@dataclass
class ListSource:
    """A source of messages held in memory; records what the pipeline did with each."""

    items: list[RawMessage]
    name: str = "fake:inbox"
    read_only: bool = False
    skipped: Sequence[tuple[str, str]] = ()
    handled: list[str] = field(default_factory=list)
    closed: int = 0

    def messages(self) -> Iterator[RawMessage]:
        yield from [m for m in self.items if m.key not in self.handled]

    def done(self, message: RawMessage) -> None:
        self.handled.append(message.key)

    def quarantine(self, message: RawMessage, reason: str) -> None:
        self.handled.append(message.key)

    def wait_for_new(self, timeout: float) -> bool:
        return False

    def close(self) -> None:
        self.closed += 1


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Rig:
    service: Service
    scheduler: FakeScheduler
    clock: Clock
    source: ListSource
    store: DraftStore
    config: Config


@pytest.fixture
def rig_for(tmp_path: Path) -> Iterator[Callable[..., Rig]]:
    ledgers: list[Ledger] = []

    def make(toml: str, *failures: Exception) -> Rig:
        (tmp_path / "mailbot.toml").write_text(toml)
        config = load_config(tmp_path / "mailbot.toml")
        ledger = Ledger(config.ledger_path)
        ledgers.append(ledger)
        source = ListSource([RawMessage("fake:inbox", f"m{n}", letter(n)) for n in (1, 2)])
        pending = list(failures)

        def make_source() -> Source:
            if pending:
                raise pending.pop(0)
            return source

        scheduler, clock = FakeScheduler(), Clock()
        service = Service.for_config(Pipeline(config, ledger), make_source, scheduler=scheduler, clock=clock)
        return Rig(service, scheduler, clock, source, DraftStore(config.paths.drafts), config)

    yield make
    for ledger in ledgers:
        ledger.close()


SMTP = '[smtp]\nhost = "127.0.0.1"\nfrom = "blog@example.org"\n[notify]\nflush_seconds = 45\n'


@pytest.mark.parametrize(
    ("toml", "jobs", "said"),
    [
        (
            "[service]\ninterval = 120\n",
            {JOB_ID: (120, timedelta(0))},
            "polling every 120 s; publishing: manual",
        ),
        (
            '[service]\ninterval = 600\npublish = "on-approve"\n',
            # on-approve looks at least once a minute, first one period after the start
            {JOB_ID: (600, timedelta(0)), PUBLISH_JOB_ID: (60, timedelta(seconds=60))},
            "polling every 600 s; publishing: on-approve",
        ),
        (
            '[service]\ninterval = 30\npublish = "every 15 minutes"\n',
            {JOB_ID: (30, timedelta(0)), PUBLISH_JOB_ID: (900, timedelta(minutes=15))},
            "polling every 30 s; publishing: every 15 minutes",
        ),
        (
            "[service]\ninterval = 300\n" + SMTP,
            {JOB_ID: (300, timedelta(0)), OUTBOX_JOB_ID: (45, timedelta(0))},
            "polling every 300 s; publishing: manual",
        ),
    ],
)
def test_the_jobs_and_their_periods_come_from_the_config(
    rig_for: Callable[..., Rig],
    caplog: pytest.LogCaptureFixture,
    toml: str,
    jobs: dict[str, tuple[float, timedelta]],
    said: str,
) -> None:
    caplog.set_level(logging.INFO, logger="mailbot.service")
    rig = rig_for(toml)
    assert not rig.scheduler.jobs  # nothing before start
    rig.service.start()
    assert rig.scheduler.started
    assert rig.scheduler.periods() == jobs
    assert said in caplog.text and "service started" in caplog.text


def test_a_failing_poll_is_logged_and_the_next_one_still_runs(
    rig_for: Callable[..., Rig], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mailbot.service")
    down = TransientSourceError("the mailbox at imap.example.org cannot be reached (timed out).")
    rig = rig_for("[service]\ninterval = 120\n", down, RuntimeError("a bug in a source"))
    rig.service.start()

    rig.scheduler.fire(JOB_ID)
    assert "poll failed (the mailbox at imap.example.org cannot be reached (timed out)); retrying in" in (
        caplog.text
    )
    # The first retry comes after 1 to 2 seconds (2 s, with jitter), not after the interval.
    (job, when) = rig.scheduler.moves[-1]
    assert job == JOB_ID and START + timedelta(seconds=1) <= when <= START + timedelta(seconds=2)

    rig.scheduler.fire(JOB_ID)  # an unexpected error is logged with its traceback: the job lives on
    assert "poll failed unexpectedly" in caplog.text and "RuntimeError: a bug in a source" in caplog.text
    (job, when) = rig.scheduler.moves[-1]
    assert job == JOB_ID and START + timedelta(seconds=2) <= when <= START + timedelta(seconds=4)
    assert not rig.store.all() and rig.service.failures == 2

    rig.clock.now = START + timedelta(seconds=5)
    rig.scheduler.fire(JOB_ID)
    assert len(rig.store.all()) == 2 and rig.source.handled == ["m1", "m2"] and rig.source.closed == 1
    assert "recovered: the mailbox answers again after 2 failed poll(s)" in caplog.text
    assert rig.scheduler.moves[-1] == (JOB_ID, START + timedelta(seconds=5 + 120))  # back to the interval
    assert rig.service.failures == 0 and not rig.service.stop.is_set()


def test_a_refused_login_stops_the_service_with_status_1(rig_for: Callable[..., Rig]) -> None:
    rig = rig_for("[service]\ninterval = 120\n", AuthenticationError("the IMAP server refused the login."))
    rig.service.start()
    rig.scheduler.fire(JOB_ID)
    assert rig.service.stop.is_set() and rig.service.exit_code == 1
    assert not rig.scheduler.moves  # no retry: a wrong password would lock the account


@pytest.mark.parametrize("mode", ["manual", "on-approve", "every 5 minutes"])
def test_approved_drafts_are_published_by_the_service_only_when_configured(
    rig_for: Callable[..., Rig], mode: str
) -> None:
    rig = rig_for(f'[service]\ninterval = 120\npublish = "{mode}"\n')
    rig.service.start()
    rig.scheduler.fire(JOB_ID)
    first, second = sorted(d.id for d in rig.store.all())
    rig.store.transition([first], "approve")

    rig.scheduler.fire(JOB_ID)  # a poll: on-approve publishes after it, the others do not
    index = rig.config.paths.site / "index.html"
    assert index.is_file() == (mode == "on-approve")
    if mode == "every 5 minutes":
        rig.scheduler.fire(PUBLISH_JOB_ID)  # its own turn comes
        assert index.is_file()
    if mode == "manual":
        assert PUBLISH_JOB_ID not in rig.scheduler.jobs
        assert rig.store.read(first).status is Status.APPROVED
    else:
        assert rig.store.read(first).status is Status.PUBLISHED
        assert rig.store.read(second).status is Status.DRAFT


def test_a_failed_publish_is_logged_and_tried_again_at_its_next_turn(
    rig_for: Callable[..., Rig], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mailbot.service")
    rig = rig_for('[service]\ninterval = 120\npublish = "every 5 minutes"\n')
    rig.service.start()
    rig.scheduler.fire(JOB_ID)
    (draft, _) = rig.store.all()
    rig.store.transition([draft.id], "approve")
    rig.config.paths.site.write_text("a file where the site folder should be\n")

    rig.scheduler.fire(PUBLISH_JOB_ID)
    assert "publishing failed (" in caplog.text and "trying again in 300 s" in caplog.text
    assert rig.store.read(draft.id).status is Status.APPROVED and not rig.service.stop.is_set()

    rig.config.paths.site.unlink()
    rig.scheduler.fire(PUBLISH_JOB_ID)
    assert rig.store.read(draft.id).status is Status.PUBLISHED
    assert "recovered: publishing works again after 1 failure(s)" in caplog.text
    assert f"published {draft.id}" in caplog.text


def test_run_stops_cleanly_and_nothing_is_scheduled_after_the_stop(
    rig_for: Callable[..., Rig], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mailbot.service")
    rig = rig_for("[service]\ninterval = 120\n")
    rig.service.stop.set()  # as SIGTERM would: run() returns without waiting a second
    assert rig.service.run(install_signals=False) == 0
    assert rig.scheduler.started and rig.scheduler.shut_down_waiting is True  # the job in hand finishes
    assert "stopping: finishing the message in hand" in caplog.text and "service stopped" in caplog.text
    rig.service.wake_now()  # an IDLE wake-up arriving late moves no job
    assert not rig.scheduler.moves
    rig.service.poll()  # a poll fired late takes no mail
    assert rig.source.handled == [] and not rig.store.all()
