"""Two posts never share a permalink: a new post's slug avoids every slug a draft already holds
(found in review: a draft left out of a publish, or retracted, kept a slug a new post could take)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from test_publish_now import NOW, draft, home, publisher, write

from mailbot.drafts.store import DraftStore
from mailbot.models import Status


def test_publish_now_does_not_give_away_the_slug_of_an_approved_draft_left_out(tmp_path: Path) -> None:
    config = home(tmp_path / "a")
    # Approved, with the slug and date a failed publish leaves ("slug and date stay").
    kept = dataclasses.replace(draft(5, Status.APPROVED), slug="lettera-numero-5", published=NOW)
    new = dataclasses.replace(draft(6, Status.APPROVED), title="Lettera numero 5")
    write(config, kept, new)
    publisher(config).publish(only=[new.id])
    publisher(config).publish()
    store = DraftStore(config.paths.drafts)
    assert store.read(new.id).slug != store.read(kept.id).slug  # else one page overwrites the other


def test_a_retracted_posts_slug_is_not_given_to_a_new_post(tmp_path: Path) -> None:
    config = home(tmp_path / "a")
    retracted = dataclasses.replace(draft(5, Status.RETRACTED), slug="lettera-numero-5", published=NOW)
    new = dataclasses.replace(draft(6, Status.APPROVED), title="Lettera numero 5")
    write(config, retracted, new)
    publisher(config).publish()
    store = DraftStore(config.paths.drafts)
    store.write(dataclasses.replace(store.read(retracted.id), status=Status.APPROVED))  # approved again
    publisher(config).publish()
    assert store.read(new.id).slug != store.read(retracted.id).slug
