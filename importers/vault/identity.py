"""Provides ``match_cards``: which card block of the vault is which note of the collection, so a
card keeps its id and history while its note is edited.

Passes, each over what the previous ones left unmatched:

1. an explicit Obsidian block id (``^id``) wins: same file first, then a unique one elsewhere;
2. the same normalised content in the same file (nearest line first);
3. the same content in another changed file (a card moved or a note renamed), or in a
   retired note (text that came back);
4. the most similar vanished card of the same file, or of a file some of whose cards were
   matched into this one by the passes above (a renamed or split note), by difflib ratio
   >= ``SIMILARITY`` (the same front counts as similar), best pairs first;
5. a close match (ratio >= 0.85) anywhere among the vanished cards: a card moved to another
   note and edited on the way (only when few cards are left, the search being quadratic).

What is left: new blocks are added, vanished notes are retired.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from importers.vault.records import SourceCard, normalise
from srs.ingest_vault import ExistingNote

SIMILARITY = 0.6
_SAME_FRONT = 0.9
_CROSS_FILE = 0.85
_MAX_CROSS_FILE_PAIRS = 20_000


@dataclass
class Matching:
    """Pairs (incoming index -> existing note), and what is left on each side."""

    pairs: dict[int, ExistingNote] = field(default_factory=dict)
    new: list[int] = field(default_factory=list)
    vanished: list[ExistingNote] = field(default_factory=list)


def source_key(card: SourceCard) -> str:
    """The identity stored on the note: the block id when there is one, else the hash."""
    return f"^{card.block_id}" if card.block_id else f"#{card.content_hash}"


def make_guid(root: str, card: SourceCard, taken: Callable[[str], bool]) -> str:
    """A guid derived from the card's identity at creation, unique in the collection."""
    n = 0
    while True:
        seed = f"obsidian\x00{root}\x00{card.path}\x00{source_key(card)}\x00{n}"
        digest = hashlib.sha1(seed.encode("utf-8")).digest()
        guid = base64.b64encode(digest[:9]).decode("ascii")
        if not taken(guid):
            return guid
        n += 1


def _text(note: ExistingNote) -> str:
    back = note.fields[1] if len(note.fields) > 1 else ""
    return normalise(note.fields[0]) + "\n\x1f\n" + normalise(back)


def _score(card: SourceCard, note: ExistingNote, floor: float = SIMILARITY) -> float:
    a, b = card.normalised, _text(note)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    score = 0.0
    if matcher.real_quick_ratio() >= floor and matcher.quick_ratio() >= floor:
        score = matcher.ratio()
    if card.back and normalise(card.front) == normalise(note.fields[0]):
        score = max(score, _SAME_FRONT)
    return score


def _take_best(
    scored: list[tuple[float, int, int, ExistingNote]],
    result: Matching,
    free: dict[int, ExistingNote],
    take: Callable[[int, ExistingNote], None],
) -> None:
    """Pair off the best-scored (then nearest) candidates first."""
    scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
    for _score_value, _distance, i, note in scored:
        if i not in result.pairs and note.note_id in free:
            take(i, note)


def match_cards(incoming: list[SourceCard], existing: list[ExistingNote]) -> Matching:
    """Match parsed blocks of changed files to the notes those files (and retirement) hold.

    Args:
        incoming: every block parsed from the changed files, in file and line order.
        existing: live notes whose source is a changed (or deleted) file, and retired notes.
    """
    result = Matching()
    free: dict[int, ExistingNote] = {n.note_id: n for n in existing}
    todo = list(range(len(incoming)))

    def take(i: int, note: ExistingNote) -> None:
        result.pairs[i] = note
        del free[note.note_id]

    # 1. block ids
    by_key: dict[str, list[ExistingNote]] = {}
    for note in existing:
        if note.source_key.startswith("^"):
            by_key.setdefault(note.source_key, []).append(note)
    for i in todo:
        card = incoming[i]
        if not card.block_id:
            continue
        options = [n for n in by_key.get(f"^{card.block_id}", []) if n.note_id in free]
        same = [n for n in options if n.source_path == card.path]
        if same:
            take(i, same[0])
        elif len(options) == 1:
            take(i, options[0])
    todo = [i for i in todo if i not in result.pairs]

    # 2. same content, same file
    by_hash: dict[tuple[str, str], list[ExistingNote]] = {}
    for note in existing:
        by_hash.setdefault((note.source_path, note.content_hash), []).append(note)
    for i in todo:
        card = incoming[i]
        options = [
            n
            for n in by_hash.get((card.path, card.content_hash), [])
            if n.note_id in free and not n.retired
        ]
        if options:
            take(i, min(options, key=lambda n: abs(n.source_line - card.line)))
    todo = [i for i in todo if i not in result.pairs]

    # 3. same content elsewhere (moved, renamed) or retired (restored); live notes first
    anywhere: dict[str, list[ExistingNote]] = {}
    for note in sorted(existing, key=lambda n: (n.retired, n.source_path, n.source_line)):
        anywhere.setdefault(note.content_hash, []).append(note)
    for i in todo:
        options = [n for n in anywhere.get(incoming[i].content_hash, []) if n.note_id in free]
        if options:
            take(i, options[0])
    todo = [i for i in todo if i not in result.pairs]

    # 4. most similar vanished card of the same file, or of a file whose cards moved here
    # (a renamed note whose cards were also edited)
    related: dict[str, set[str]] = {}
    for i, note in result.pairs.items():
        related.setdefault(incoming[i].path, {incoming[i].path}).add(note.source_path)
    scored: list[tuple[float, int, int, ExistingNote]] = []
    by_path: dict[str, list[ExistingNote]] = {}
    for note in free.values():
        if not note.retired:
            by_path.setdefault(note.source_path, []).append(note)
    for i in todo:
        paths = related.get(incoming[i].path, {incoming[i].path})
        for note in (n for p in sorted(paths) for n in by_path.get(p, [])):
            score = _score(incoming[i], note)
            if score >= SIMILARITY:
                scored.append((score, -abs(note.source_line - incoming[i].line), i, note))
    _take_best(scored, result, free, take)

    # 5. a card moved to another file and edited on the way: only a close match, and only
    # when few cards are left on both sides (the comparison is quadratic)
    todo = [i for i in todo if i not in result.pairs]
    left = [n for n in free.values() if not n.retired]
    if todo and left and len(todo) * len(left) <= _MAX_CROSS_FILE_PAIRS:
        scored = []
        for i in todo:
            for note in left:
                score = _score(incoming[i], note, floor=_CROSS_FILE)
                if score >= _CROSS_FILE:
                    scored.append((score, 0, i, note))
        _take_best(scored, result, free, take)

    result.new = [i for i in range(len(incoming)) if i not in result.pairs]
    result.vanished = [n for n in free.values() if not n.retired]
    return result
