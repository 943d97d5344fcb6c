"""Provides ``parse_sr_comment``: the obsidian-spaced-repetition plugin's schedule comments
(``<!--SR:!2026-11-20,3,250-->``, one ``!`` group per card of the block, and the FSRS variant
``!fsrs,<due ISO>,<interval>,<stability>,<difficulty>,<state>,<reps>,<lapses>,<steps>,<last
review ISO>``) as ``LegacySchedule`` values, ``None`` for a group that is a new card."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from srs.ingest_vault import LegacySchedule

SR_COMMENT = re.compile(r"<!--SR:(.*?)-->")
_NEW_CARD_DATE = date(2000, 1, 1)  # the plugin's placeholder for "not reviewed yet"


def _parse_date(text: str) -> date | None:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%a %b %d %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _parse_instant(text: str) -> datetime | None:
    if text.strip() in ("", "-"):
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _segment(segment: str) -> LegacySchedule | None:
    parts = [p.strip() for p in segment.split(",")]
    if parts[0] == "fsrs":
        if len(parts) < 10:
            raise ValueError(f"FSRS schedule {segment!r} has {len(parts)} fields, expected 10")
        due = _parse_instant(parts[1])
        if due is None:
            raise ValueError(f"FSRS schedule {segment!r} has no valid due date")
        state = int(parts[5])
        if state == 0:  # ts-fsrs State.New
            return None
        return LegacySchedule(
            due=due.date(),
            interval_days=max(1, round(float(parts[2]))),
            stability=float(parts[3]),
            difficulty=float(parts[4]),
            reps=int(parts[6]),
            lapses=int(parts[7]),
            last_review=_parse_instant(parts[9]),
        )
    if len(parts) < 3:
        raise ValueError(f"schedule {segment!r} needs date,interval,ease")
    due_date = _parse_date(parts[0])
    if due_date is None:
        raise ValueError(f"schedule {segment!r} has no valid date")
    if due_date == _NEW_CARD_DATE:
        return None
    interval, ease = int(parts[1]), int(parts[2])
    if interval < 0 or ease <= 0:
        raise ValueError(f"schedule {segment!r} has a negative interval or ease")
    return LegacySchedule(due=due_date, interval_days=interval, ease_permille=ease * 10)


def parse_sr_comment(text: str) -> list[LegacySchedule | None]:
    """Schedules found in the SR comments of ``text``, in card order.

    Raises:
        ValueError: a group that is not a schedule (the caller reports it and ignores it).
    """
    out: list[LegacySchedule | None] = []
    for match in SR_COMMENT.finditer(text):
        for segment in match.group(1).split("!"):
            if segment.strip():
                out.append(_segment(segment))
    return out
