"""Provides the exception tree of srs: one root, subclasses that carry their context.

    SrsError
    ├── StoreError
    │   ├── SchemaTooNew          the collection was written by a newer srs
    │   └── CollectionLocked      another process holds the write lock too long
    ├── NotFound                  a deck, card, note or preset that does not exist
    ├── UsageError                a request that makes no sense (bad option value, ...)
    │   └── InvalidOption(field, reason)  a deck option value out of range
    ├── PackageError(path, reason)        an Anki package that cannot be read or written
    ├── ParseError(path, line, reason)    a source file with a problem at a line
    ├── SearchSyntaxError(query, reason)  an Anki search query that cannot be parsed
    └── TemplateError(reason)             a card template that cannot be rendered

The engine raises these; the CLI prints ``str(error)`` as one line and exits 1; the TUI
shows it as a notification.
"""

from __future__ import annotations

from pathlib import Path


class SrsError(Exception):
    """Root of every error srs raises on purpose."""


class StoreError(SrsError):
    """The collection database cannot be opened or used."""


class SchemaTooNew(StoreError):
    """The collection was written by a newer version of srs than this one."""

    def __init__(self, path: Path | str, found: str, known: str) -> None:
        self.path = Path(path)
        self.found = found
        self.known = known
        super().__init__(
            f"{path}: collection schema {found} is newer than this srs understands "
            f"(newest known: {known}); upgrade srs"
        )


class CollectionLocked(StoreError):
    """Another process kept the collection locked for longer than the busy timeout."""


class NotFound(SrsError):
    """A named deck, card, note or preset does not exist."""


class UsageError(SrsError):
    """A request that cannot be carried out as asked."""


class InvalidOption(UsageError):
    """A deck option (preset field) given a value it cannot take."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class PackageError(SrsError):
    """An Anki package that cannot be read or written."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class ParseError(SrsError):
    """A source file with a problem at a known line."""

    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {reason}")


class SearchSyntaxError(SrsError):
    """An Anki search query that cannot be parsed."""

    def __init__(self, query: str, reason: str) -> None:
        self.query = query
        self.reason = reason
        super().__init__(f"search {query!r}: {reason}")


class TemplateError(SrsError):
    """A card template that cannot be rendered."""
