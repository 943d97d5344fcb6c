"""Provides ``read_notes``: read, hash and parse the notes that may have changed, in worker
processes when there are many (parsing is pure Python and the first import of a large vault
is dominated by it), in order, with unreadable, binary, non-UTF-8 and oversized files turned
into problems instead of errors."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from importers.vault.options import VaultOptions
from importers.vault.parser import ParsedNote, parse_note
from importers.vault.records import Problem
from importers.vault.scan import VaultFile

PARALLEL_MIN_FILES = 256  # below this, starting workers costs more than it saves
_CHUNK = 64


@dataclass(frozen=True)
class ReadJob:
    """A note to read; ``known_sha1`` is the hash of its last import (skip parsing if equal)."""

    item: VaultFile
    known_sha1: str | None


@dataclass(frozen=True)
class ReadResult:
    """What reading one note gave: a problem, or its hash and (if it changed) its cards."""

    item: VaultFile
    sha1: str | None
    parsed: ParsedNote | None
    problem: Problem | None


def _decode(item: VaultFile, options: VaultOptions) -> tuple[str | None, bytes, Problem | None]:
    if item.size > options.max_file_bytes:
        limit = options.max_file_bytes / (1024 * 1024)
        return None, b"", Problem(item.rel, 1, f"file is larger than {limit:g} MB; skipped")
    try:
        data = item.path.read_bytes()
    except OSError as exc:
        return None, b"", Problem(item.rel, 1, f"cannot read file ({exc.strerror}); skipped")
    if b"\x00" in data[:8192]:
        return None, data, Problem(item.rel, 1, "binary file, not Markdown; skipped")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, data, Problem(item.rel, line, "not valid UTF-8; skipped")
    return text.removeprefix("\ufeff"), data, None


def read_note(job: ReadJob, options: VaultOptions) -> ReadResult:
    """Read, hash and (unless its hash is ``job.known_sha1``) parse one note."""
    text, data, problem = _decode(job.item, options)
    if problem is not None or text is None:
        return ReadResult(job.item, None, None, problem)
    sha1 = hashlib.sha1(data).hexdigest()
    if sha1 == job.known_sha1:
        return ReadResult(job.item, sha1, None, None)
    parsed = parse_note(job.item.rel, text, options, job.item.folder)
    for card in parsed.cards:  # computed here, in the worker, not in the parent
        _ = card.content_hash
    return ReadResult(job.item, sha1, parsed, None)


def _read_chunk(jobs: list[ReadJob], options: VaultOptions) -> list[ReadResult]:
    return [read_note(job, options) for job in jobs]


def _start_method() -> str | None:
    """How to start workers: fork is cheapest but only safe with no other thread running (a
    progress-bar or TUI thread could hold a lock the child then waits on forever); otherwise
    a fork server, which starts clean."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    if "forkserver" in methods:
        return "forkserver"
    return None


def read_notes(jobs: list[ReadJob], options: VaultOptions) -> Iterator[ReadResult]:
    """Results for ``jobs``, in order; in worker processes when there are enough of them."""
    workers = min(os.cpu_count() or 1, 4)
    method = _start_method()
    if len(jobs) < PARALLEL_MIN_FILES or workers < 2 or method is None:
        for job in jobs:
            yield read_note(job, options)
        return
    chunks = [jobs[i : i + _CHUNK] for i in range(0, len(jobs), _CHUNK)]
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for results in pool.map(_read_chunk, chunks, [options] * len(chunks)):
            yield from results
