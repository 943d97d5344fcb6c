"""Provides ``parse_note``: one Markdown note -> its ``SourceCard`` records and the problems
found, following the obsidian-spaced-repetition plugin's rules.

A note is read only if it carries a flashcards tag (front matter or body) unless
``all_notes``. Cards are found in blocks of consecutive non-blank lines: a line with the
inline separator is a card by itself (``:::`` before ``::``, the longer wins); a block with a
line that is exactly ``?`` (``??``) is a multi-line card; a block with a cloze deletion is a
cloze card; a block that starts with ``Q:`` and has an ``A:`` line is a question/answer card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from importers.vault import cloze
from importers.vault.markdown import LineKind, MaskedNote, mask_note
from importers.vault.options import VaultOptions
from importers.vault.records import CardKind, Problem, SourceCard
from importers.vault.schedules import SR_COMMENT, parse_sr_comment
from srs.ingest_vault import LegacySchedule

DEFAULT_DECK = "Default"
TAG = re.compile(r"(?:(?<=[\s(,])|^)#([\w\-/]*[^\W\d][\w\-/]*)")
_BLOCK_ID = re.compile(r"(?:^|\s)\^([A-Za-z0-9-]+)\s*$")
_ALONE_ID = re.compile(r"\s*\^([A-Za-z0-9-]+)\s*")
_COMMENTS = re.compile(r"%%.*?%%|<!--(?!SR:).*?-->", re.DOTALL)
_WIKI_EMBED = re.compile(r"!\[\[([^\]|#^]+)(?:#[^\]|]*)?(?:\|[^\]]*)?\]\]")
_MD_EMBED = re.compile(r"!\[[^\]]*\]\(\s*<?([^)>\s]+)>?(?:\s+\"[^\"]*\")?\s*\)")
MEDIA_EXTENSIONS = frozenset(
    "png jpg jpeg gif svg webp bmp avif tif tiff ico mp3 wav ogg m4a flac webm mp4 mov".split()
)


@dataclass
class ParsedNote:
    """What one note yields."""

    cards: list[SourceCard]
    problems: list[Problem]
    flashcard_note: bool


def _is_flashcard_tag(tag: str, options: VaultOptions) -> str | None:
    """The deck path under a flashcards tag (``""`` for the bare tag), or None."""
    low = tag.casefold()
    for ft in options.flashcard_tags:
        base = ft.casefold().lstrip("#")
        if low == base:
            return ""
        if low.startswith(base + "/"):
            return tag[len(base) + 1 :].strip("/")
    return None


def _deck_from_tag_path(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return "::".join(parts) if parts else DEFAULT_DECK


def front_matter_tags(lines: list[str]) -> list[str]:
    """Tags listed under ``tags:``/``tag:`` in front matter (inline list, string or block)."""
    tags: list[str] = []
    collecting = False
    for line in lines:
        key, sep, value = line.partition(":")
        if collecting:
            item = line.strip()
            if item.startswith("- "):
                tags.append(item[2:])
                continue
            if not item:
                continue
            collecting = False
        if sep and not line[:1].isspace() and key.strip().casefold() in ("tags", "tag"):
            value = value.strip()
            if not value:
                collecting = True
                continue
            value = value.strip("[]")
            tags.extend(re.split(r"[,\s]+", value))
    return [t.strip().strip("'\"").lstrip("#") for t in tags if t.strip().strip("'\"#")]


def _clean(text: str) -> tuple[str, str | None]:
    """Field text without comments and schedules, and the block id it ended with."""
    text = SR_COMMENT.sub("", _COMMENTS.sub("", text))
    lines = [line.rstrip() for line in text.split("\n")]
    block_id = None
    while lines and not lines[-1].strip():
        lines.pop()
    if lines:
        alone = _ALONE_ID.fullmatch(lines[-1])
        if alone and len(lines) > 1:
            block_id = alone.group(1)
            lines.pop()
        else:
            found = _BLOCK_ID.search(lines[-1])
            if found:
                block_id = found.group(1)
                lines[-1] = lines[-1][: found.start()].rstrip()
    return "\n".join(lines).strip(), block_id


def _embeds(text: str) -> tuple[str, ...]:
    out = []
    for pattern in (_WIKI_EMBED, _MD_EMBED):
        for match in pattern.finditer(text):
            target = match.group(1).strip()
            if target.rsplit(".", 1)[-1].casefold() in MEDIA_EXTENSIONS and "://" not in target:
                out.append(target)
    return tuple(out)


SR_CALLOUT = "> [!sr|card-metadata]"


def _schedule_line(line: str, view: str) -> bool:
    """A line holding only the plugin's schedule: ``<!--SR:...-->``, or a line of its
    ``> [!sr|card-metadata]`` callout."""
    text = line.strip()
    if text.startswith("<!--SR:") and not view:
        return True
    return text.startswith(SR_CALLOUT) or (text.startswith(">") and "<!--SR:" in text)


class _NoteParser:
    def __init__(self, path: str, masked: MaskedNote, options: VaultOptions) -> None:
        self.path = path
        self.m = masked
        self.options = options
        seps = [
            (options.inline_reversed_separator, CardKind.REVERSED),
            (options.inline_separator, CardKind.BASIC),
        ]
        self.inline = sorted(seps, key=lambda s: -len(s[0]))
        self.cards: list[tuple[int, int, CardKind, str, str, tuple[int, ...], str]] = []
        self.problems: list[Problem] = []

    def problem(self, index: int, reason: str) -> None:
        self.problems.append(Problem(self.path, index + 1, reason))

    def blocks(self) -> list[list[int]]:
        blocks: list[list[int]] = []
        current: list[int] = []
        for i, kind in enumerate(self.m.kinds):
            if kind == LineKind.HIDDEN:
                continue
            if kind == LineKind.BLANK:
                if current:
                    blocks.append(current)
                current = []
                continue
            current.append(i)
        if current:
            blocks.append(current)
        return blocks

    def separator_view(self, index: int) -> str:
        view = self.m.view[index]
        if "{{c" in view:  # `::` inside an Anki cloze is not a card separator
            view = cloze.ANKI.sub(lambda m: " " * len(m.group(0)), view)
        return view

    def run(self) -> None:
        for block in self.blocks():
            self.block(block)

    def block(self, block: list[int]) -> None:
        lines, views, kinds = self.m.lines, self.m.view, self.m.kinds
        first = block[0]
        if kinds[first] == LineKind.TEXT and views[first].startswith("Q:"):
            answer = next((j for j in block[1:] if views[j].startswith("A:")), None)
            if answer is not None:
                front = "\n".join(
                    [lines[first][2:], *(lines[j] for j in block[1 : block.index(answer)])]
                )
                back = "\n".join(
                    [lines[answer][2:], *(lines[j] for j in block[block.index(answer) + 1 :])]
                )
                self.emit(first, block[-1], CardKind.BASIC, front, back, block)
                return
        acc: list[int] = []
        kind: CardKind | None = None
        sep: int | None = None
        last_inline: int | None = None
        for j in block:
            if kinds[j] == LineKind.OPAQUE:
                acc.append(j)
                continue
            stripped = views[j].strip()
            if last_inline == j - 1 and not acc and _schedule_line(lines[j], stripped):
                self.attach_schedule(j)  # the plugin's schedule of the one-line card above
                last_inline = j
                continue
            if not stripped and lines[j].lstrip().startswith("<!--SR:"):
                acc.append(j)
                continue
            sep_view = self.separator_view(j)
            inline = next(((s, k) for s, k in self.inline if s and s in sep_view), None)
            if inline is not None:
                at = sep_view.index(inline[0])
                line = lines[j]
                self.emit(j, j, inline[1], line[:at], line[at + len(inline[0]) :], [j])
                acc, kind, sep, last_inline = [], None, None, j
                continue
            if stripped == lines[j].strip() and stripped in (
                self.options.multiline_reversed_separator,
                self.options.multiline_separator,
            ):
                if "".join(lines[a] for a in acc).strip():
                    rev = stripped == self.options.multiline_reversed_separator
                    kind = CardKind.REVERSED if rev else CardKind.BASIC
                    sep = j if sep is None else sep
                acc.append(j)
            elif kind is None and cloze.has_deletion(views[j], self.options):
                kind = CardKind.CLOZE
                acc.append(j)
            else:
                acc.append(j)
        if kind is None or not acc:
            return
        if kind == CardKind.CLOZE or sep is None:
            text, ords = cloze.rewrite(
                [lines[a] for a in acc], [views[a] for a in acc], self.options
            )
            self.emit(acc[0], acc[-1], CardKind.CLOZE, text, "", acc, ords)
            return
        cut = acc.index(sep)
        front = "\n".join(lines[a] for a in acc[:cut])
        back = "\n".join(lines[a] for a in acc[cut + 1 :])
        self.emit(acc[0], acc[-1], kind, front, back, acc)

    def attach_schedule(self, j: int) -> None:
        if self.cards:
            start, _end, kind, front, back, ords, raw = self.cards[-1]
            self.cards[-1] = (start, j, kind, front, back, ords, raw + "\n" + self.m.lines[j])

    def emit(
        self,
        start: int,
        end: int,
        kind: CardKind,
        front: str,
        back: str,
        used: list[int],
        ords: tuple[int, ...] = (),
    ) -> None:
        raw = "\n".join(self.m.lines[i] for i in used)
        if not ords:
            ords = (0, 1) if kind == CardKind.REVERSED else (0,)
        self.cards.append((start, end, kind, front, back, ords, raw))


def parse_note(path: str, text: str, options: VaultOptions, folder: str = "") -> ParsedNote:
    """Parse one note (``path`` vault-relative POSIX, ``folder`` its folder) into cards.

    Malformed cards (empty front or back, a schedule comment that cannot be read) are
    returned as problems; the rest of the note still yields its cards.
    """
    if not options.all_notes and not any(
        t.casefold().lstrip("#") in text.casefold() for t in options.flashcard_tags
    ):
        return ParsedNote([], [], False)
    masked = mask_note(text)
    fm_tags = front_matter_tags(masked.front_matter)
    body_tags: list[tuple[int, str]] = []
    for i, (view, line_kind) in enumerate(zip(masked.view, masked.kinds, strict=True)):
        if line_kind == LineKind.TEXT and "#" in view:
            body_tags.extend((i, m.group(1).rstrip("/")) for m in TAG.finditer(view))
    flash = [t for t in fm_tags if _is_flashcard_tag(t, options) is not None] + [
        t for _, t in body_tags if _is_flashcard_tag(t, options) is not None
    ]
    if not flash and not options.all_notes:
        return ParsedNote([], [], False)
    parser = _NoteParser(path, masked, options)
    parser.run()
    card_lines = {i for c in parser.cards for i in range(c[0], c[1] + 1)}
    deck_marks = [
        (i, _deck_from_tag_path(p))
        for i, t in body_tags
        if i not in card_lines and (p := _is_flashcard_tag(t, options)) is not None
    ]
    fm_deck = next(
        (
            _deck_from_tag_path(p)
            for t in fm_tags
            if (p := _is_flashcard_tag(t, options)) is not None
        ),
        DEFAULT_DECK,
    )
    note_tags = sorted(
        {
            t.replace("/", "::")
            for t in fm_tags + [t for _, t in body_tags]
            if _is_flashcard_tag(t, options) is None
        }
    )
    folder_deck = "::".join(p for p in folder.split("/") if p) or DEFAULT_DECK
    cards: list[SourceCard] = []
    problems = parser.problems
    for start, end, kind, front_raw, back_raw, ords, raw in parser.cards:
        deck = fm_deck
        for line, mark in deck_marks:
            if line < start:
                deck = mark
        front_raw = front_raw.strip()
        own = TAG.match(front_raw)
        if own and (p := _is_flashcard_tag(own.group(1), options)) is not None:
            deck = _deck_from_tag_path(p)
            front_raw = front_raw[own.end() :]
        if options.decks_from_folders:
            deck = folder_deck
        front, id_front = _clean(front_raw)
        back, id_back = _clean(back_raw)
        block_id = id_back or id_front
        if not front:
            problems.append(Problem(path, start + 1, "card has an empty front"))
            continue
        if kind != CardKind.CLOZE and not back:
            problems.append(Problem(path, start + 1, "card has an empty back"))
            continue
        try:
            schedules: list[LegacySchedule | None] = parse_sr_comment(raw)
        except ValueError as exc:
            problems.append(Problem(path, start + 1, f"schedule comment ignored: {exc}"))
            schedules = []
        cards.append(
            SourceCard(
                path=path,
                line=start + 1,
                end_line=end + 1,
                kind=kind,
                front=front,
                back=back,
                ords=ords,
                deck=deck,
                tags=tuple(note_tags),
                block_id=block_id,
                schedules=tuple(schedules[: len(ords)]),
                embeds=_embeds(front + "\n" + back),
            )
        )
    return ParsedNote(cards, problems, True)
