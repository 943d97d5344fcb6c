"""Helpers shared by the vault importer tests: a vault built in tmp_path, and readers of what
the collection holds (no tests here)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from srs.domain import ReviewKind
from srs.models import Card, Note, ReviewLog
from srs.store import Store

_OLD = 1_600_000_000  # file times far in the past: never "racy"


@dataclass
class Vault:
    """A vault folder whose files get distinct, old modification times."""

    root: Path
    _tick: int = field(default=0)

    def write(self, rel: str, content: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        self._tick += 1
        os.utime(path, ns=((_OLD + self._tick) * 10**9, (_OLD + self._tick) * 10**9))
        return path

    def remove(self, rel: str) -> None:
        (self.root / rel).unlink()

    def rename(self, old: str, new: str) -> None:
        target = self.root / new
        target.parent.mkdir(parents=True, exist_ok=True)
        (self.root / old).rename(target)


def make_vault(tmp_path: Path) -> Vault:
    root = tmp_path / "vault"
    root.mkdir(parents=True)
    return Vault(root)


@dataclass(frozen=True)
class CardRow:
    card_id: int
    note_id: int
    ord: int
    fields: tuple[str, ...]
    path: str | None
    line: int | None
    deck_id: int
    suspended: bool
    orphaned: bool
    state: int


def cards(store: Store) -> list[CardRow]:
    """Every card with its note's fields and source, in id order."""
    with store.read() as session:
        rows = session.execute(
            select(Card, Note).join(Note, Note.id == Card.note_id).order_by(Card.id)
        ).all()
        return [
            CardRow(
                c.id,
                n.id,
                c.ord,
                tuple(n.fields.split("\x1f")),
                n.source_path,
                n.source_line,
                c.deck_id,
                c.suspended,
                c.orphaned,
                c.state,
            )
            for c, n in rows
        ]


def card_by_front(store: Store, front: str, ord_: int = 0) -> CardRow:
    found = [c for c in cards(store) if c.fields[0] == front and c.ord == ord_]
    assert len(found) == 1, (front, [c.fields for c in cards(store)])
    return found[0]


def add_review(store: Store, card_id: int, when: datetime, rating: int = 3) -> None:
    """Record a review the way the reviewer would (a revlog row), straight into the store."""
    with store.write() as session:
        session.add(
            ReviewLog(
                card_id=card_id,
                reviewed_at=when,
                rating=rating,
                kind=ReviewKind.REVIEW,
                interval_before=1,
                interval_after=3,
            )
        )


def history(store: Store, card_id: int) -> list[datetime]:
    with store.read() as session:
        return list(
            session.scalars(
                select(ReviewLog.reviewed_at)
                .where(ReviewLog.card_id == card_id)
                .order_by(ReviewLog.reviewed_at)
            )
        )


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for "nothing changed" comparisons."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with store.read() as session:
        names = [
            r[0]
            for r in session.execute(
                text("select name from sqlite_master where type='table' order by name")
            )
        ]
        for name in names:
            out[name] = [tuple(r) for r in session.execute(text(f'select * from "{name}"'))]
    return out


def days(n: int) -> timedelta:
    return timedelta(days=n)
