"""``srs stats``: the JSON and the human report, deck selection, errors, hostile names."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from srs.cli.common import CliContext
from srs.cli.stats import command, heatmap, sparkline
from srs.clock import FixedClock
from srs.models import Card, Deck, Note, Notetype, Preset, ReviewLog
from srs.store import Store

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
EVIL = "Evil\x1b]0;pwned\x07\x1b[31m"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "c.db"
    with Store.open(path, clock=FixedClock(NOW)) as store, store.write() as s:
        preset = Preset(name="Default")
        s.add(preset)
        s.flush()
        decks = [Deck(name=name, preset_id=preset.id) for name in ("Lang", "Other", EVIL)]
        s.add_all(decks)
        nt = Notetype(name="Basic", fields=[{"name": "Front"}], templates=[], modified_at=NOW)
        s.add(nt)
        s.flush()
        for i, (deck, state, ivl) in enumerate(
            [(0, 2, 30), (0, 2, 3), (0, 0, 0), (1, 1, 0), (2, 2, 5)]
        ):
            note = Note(
                guid=f"g{i}", notetype_id=nt.id, fields="x", created_at=NOW, modified_at=NOW
            )
            s.add(note)
            s.flush()
            card = Card(
                note_id=note.id,
                deck_id=decks[deck].id,
                state=state,
                interval_days=ivl,
                due=None if state == 0 else NOW + timedelta(days=ivl),
                stability=ivl or None,
                difficulty=5.0 if ivl else None,
                last_review=NOW - timedelta(days=1) if ivl else None,
                created_at=NOW - timedelta(days=i),
                modified_at=NOW,
            )
            s.add(card)
            s.flush()
            if state:
                for day in (0, 1, 2):
                    s.add(
                        ReviewLog(
                            card_id=card.id,
                            reviewed_at=NOW - timedelta(days=day),
                            rating=1 if day == 1 else 3,
                            kind=1,
                            interval_before=ivl,
                            interval_after=ivl,
                            duration_ms=5000,
                        )
                    )
    return path


def _run(db: Path, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    obj = CliContext(db=db, clock=FixedClock(NOW, tz=UTC))
    result = runner.invoke(command, list(args), obj=obj)
    return result.exit_code, result.stdout, result.stderr


def test_json_has_every_figure(db: Path) -> None:
    code, out, _ = _run(db, "--json")
    assert code == 0
    data = json.loads(out)
    for key in (
        "today",
        "true_retention",
        "forecast",
        "calendar",
        "counts",
        "intervals",
        "stability",
        "difficulty",
        "retrievability",
        "calibration",
        "buttons",
        "hours",
    ):
        assert key in data
    assert data["counts"]["total"] == 5
    assert data["today"]["answered"] == 4
    assert data["calendar"]["counts"][-3:] == [4, 4, 4]
    assert data["true_retention"]["yesterday"]["mature_failed"] == 1
    assert data["meta"]["period"] == "1y"


def test_the_log_is_cached_beside_the_collection_and_kept_current(db: Path) -> None:
    cache = db.with_name("c.stats-cache")
    assert not cache.exists()
    first = json.loads(_run(db, "--json", "--period", "all")[1])
    assert cache.exists()
    with Store.open(db, clock=FixedClock(NOW)) as store, store.write() as s:
        card = s.query(Card).filter(Card.state == 2).first()
        assert card is not None
        at = NOW - timedelta(minutes=5)
        s.add(ReviewLog(card_id=card.id, reviewed_at=at, rating=1, kind=1, duration_ms=10))
    second = json.loads(_run(db, "--json", "--period", "all")[1])
    assert second["today"]["answered"] == first["today"]["answered"] + 1
    cache.unlink()
    assert json.loads(_run(db, "--json", "--period", "all")[1]) == second


def test_deck_and_period_options(db: Path) -> None:
    code, out, _ = _run(db, "--deck", "Lang", "--period", "1m", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["counts"]["total"] == 3
    assert data["forecast"]["horizon_days"] == 30
    assert data["buttons"]["period"] == "1m"


def test_human_report(db: Path) -> None:
    code, out, _ = _run(db)
    assert code == 0
    for needle in (
        "True retention",
        "Last month",
        "Card counts",
        "Forecast",
        "Mon",
        "Answer buttons",
        "Calibration",
        "Estimated knowledge",
        "streak 3",
    ):
        assert needle in out, needle
    assert "Today: 4 cards, 4 answers" in out


def test_unknown_deck_is_one_line_on_stderr(db: Path) -> None:
    code, out, err = _run(db, "--deck", "Nope")
    assert code == 1
    assert err.strip() == "srs: error: deck 'Nope' does not exist"


def test_bad_period_is_refused(db: Path) -> None:
    code, _, err = _run(db, "--period", "2w")
    assert code == 2 and "2w" in err


def test_control_sequences_in_deck_names_are_not_printed(db: Path) -> None:
    code, out, _ = _run(db, "--deck", EVIL)
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "Evil]0;pwned[31m" in out


def test_help_text() -> None:
    result = CliRunner().invoke(command, ["--help"])
    assert result.exit_code == 0
    assert "--period" in result.output and "--deck" in result.output


def test_sparkline_and_heatmap() -> None:
    assert sparkline([0, 1, 2, 4]) == " ▃▅█"
    assert sparkline([1, 1, 1, 1], width=2) == "██"
    grid = heatmap("2026-11-23", [0, 1, 2, 3, 4, 0, 8]).plain.splitlines()
    assert grid[1] == "Mon ·" and grid[3] == "Wed ░"
    assert grid[7] == "Sun █"


def test_clock_and_zone_come_from_srs_now(db: Path) -> None:
    # 02:30 on the 28th in Tokyo is still the 27th's scheduling day (it starts at 04:00)
    result = CliRunner().invoke(
        command, ["--json"], obj=CliContext(db=db), env={"SRS_NOW": "2026-11-28T02:30:00+09:00"}
    )
    assert result.exit_code == 0, result.output
    meta = json.loads(result.stdout)["meta"]
    assert meta["today"] == "2026-11-27"
    assert meta["now"] == "2026-11-27T17:30:00+00:00"
