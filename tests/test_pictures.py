"""Pictures stay where they stood in the letter (issue: images were all moved below it).

One message per client under tests/data/pictures/, each written the way that client sends a
picture: Outlook for Windows (HTML ``<img src="cid:">`` and ``[cid:...]`` in the text part, plus
the forwarder's signature logo), Gmail (``[image: alt text]`` in the text part), Apple Mail
(a picture between two text parts of a ``multipart/mixed``). The expected letters are written
by hand from what each message says.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mailfactory import maildir

from mailbot.config import load_config
from mailbot.drafts import DraftStore
from mailbot.ingest.ledger import Ledger
from mailbot.ingest.pipeline import Pipeline, extract
from mailbot.site.publishing import Publisher
from mailbot.sources.local import MaildirInbox

DATA = Path(__file__).parent / "data" / "pictures"

CASES = {
    "outlook_it_picture_in_letter_logo_in_signature": (
        "Buongiorno,\n\nvi mando la foto del tecnico che mi ha aspettato sotto la pioggia:\n\n"
        "[[image:{id}-1.png]]\n\nGrazie di cuore,\nLucia"
    ),
    "gmail_en_picture_placeholder_with_alt": (
        "Hello,\n\nthis is the engineer who waited for me in the rain:\n\n"
        "[[image:{id}-1.png|The engineer in the rain]]\n\nKind regards,\nHenry"
    ),
    "apple_it_picture_between_text_parts": (
        "Buongiorno,\n\necco il tecnico:\n\n[[image:{id}-1.png]]\n\n"
        "È rimasto un'ora sotto la pioggia.\n\nGrazie di cuore,\nLucia"
    ),
}


def _draft_from(tmp_path: Path, name: str) -> tuple[Path, str]:
    (tmp_path / "mailbot.toml").write_text(
        '[senders]\nallow = ["example.org"]\n[site]\nlanguage = "it"\ntimezone = "Europe/Rome"\n'
    )
    config = load_config(tmp_path / "mailbot.toml")
    maildir(config.local.maildir, [(DATA / f"{name}.eml").read_bytes()])
    with Ledger(config.ledger_path) as ledger:
        report = Pipeline(config, ledger).run(MaildirInbox(config.local.maildir))
    assert len(report.drafted) == 1, report.failed
    return tmp_path, report.drafted[0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_picture_stays_where_it_stood_in_the_letter(tmp_path: Path, name: str) -> None:
    root, draft_id = _draft_from(tmp_path, name)
    store = DraftStore(root / "drafts")
    draft = store.read(draft_id)
    assert draft.body == CASES[name].format(id=draft_id)
    # One picture: the letter's. A signature's logo in the forwarder's note is never published.
    assert [a.name for a in draft.assets] == [f"{draft_id}-1.png"]
    assert "mailbot-image" not in store.path(draft_id).read_text(encoding="utf-8")
    assert all("[[image:" not in (f.note or "") for f in draft.forwarders)

    store.transition([draft_id], "approve")
    config = load_config(root / "mailbot.toml")
    Publisher.of(config).publish()
    slug = store.read(draft_id).slug
    (page,) = [p for p in (root / "site").rglob("index.html") if p.parent.name == slug]
    html = page.read_text(encoding="utf-8").replace("&#39;", "'")
    figure = html.index(f'{draft_id}-1.png" alt=')
    text_before = CASES[name].split("\n\n[[image:")[0].split("\n\n")[-1]
    text_after = CASES[name].split("]]\n\n")[1].split("\n")[0]
    assert html.index(text_before) < figure < html.index(text_after)
    assert html.count("<img ") == 1  # not shown again below the letter
    alt = CASES[name].partition("|")[2].partition("]]")[0]
    assert f'alt="{alt}"' in html[figure : figure + 200]


def test_the_operator_sees_plain_text_without_marks() -> None:
    found = extract((DATA / "outlook_it_picture_in_letter_logo_in_signature.eml").read_bytes())
    assert "mailbot-image" not in found.letter.body and "[cid:" not in found.letter.body
    assert found.letter.body.endswith("sotto la pioggia:\n\nGrazie di cuore,\nLucia Ferri")
