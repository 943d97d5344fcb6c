"""Provides ``VaultOptions``, the per-vault import settings, read from ``srs.toml`` in the vault
root and merged with options given on the command line."""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from srs.errors import ParseError

CONFIG_NAME = "srs.toml"


@dataclass(frozen=True)
class VaultOptions:
    """How a vault is read. Defaults follow the obsidian-spaced-repetition plugin.

    Attributes:
        flashcard_tags: notes carrying one of these tags (or a nested tag below one) are read.
        all_notes: read every note, tagged or not.
        decks_from_folders: the deck is the note's folder path instead of its nested tag.
        inline_separator: one-line card separator (``Q::A``).
        inline_reversed_separator: one-line card in both directions (``Q:::A``).
        multiline_separator: the line between front and back of a multi-line card.
        multiline_reversed_separator: the same, for a card in both directions.
        cloze_highlight: ``==text==`` marks a cloze deletion.
        cloze_bold: ``**text**`` marks a cloze deletion.
        cloze_curly: ``{{text}}`` marks a cloze deletion.
        ignore: glob patterns (vault-relative POSIX paths) of files and folders to skip.
        max_file_bytes: larger files are skipped as too large.
    """

    flashcard_tags: tuple[str, ...] = ("flashcards",)
    all_notes: bool = False
    decks_from_folders: bool = False
    inline_separator: str = "::"
    inline_reversed_separator: str = ":::"
    multiline_separator: str = "?"
    multiline_reversed_separator: str = "??"
    cloze_highlight: bool = True
    cloze_bold: bool = False
    cloze_curly: bool = False
    ignore: tuple[str, ...] = ()
    max_file_bytes: int = 4 * 1024 * 1024

    def fingerprint(self) -> str:
        """A hash of the options that change what a file yields (to re-parse when they do)."""
        data = asdict(self)
        return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


_ALIASES = {"tags": "flashcard_tags", "flashcard_tag": "flashcard_tags", "tag": "flashcard_tags"}


def _coerce(path: Path, key: str, value: Any, default: Any) -> Any:
    if isinstance(default, tuple):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ParseError(path, None, f"{key} must be a string or a list of strings")
        if key == "flashcard_tags":
            value = [v.lstrip("#") for v in value if v.strip("#")]
        return tuple(value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ParseError(path, None, f"{key} must be true or false")
        return value
    if isinstance(default, int):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ParseError(path, None, f"{key} must be a positive integer")
        return value
    if not isinstance(value, str) or not value.strip():
        raise ParseError(path, None, f"{key} must be a non-empty string")
    return value.strip()


def options_from_mapping(path: Path, data: dict[str, Any], base: VaultOptions) -> VaultOptions:
    """Apply the keys of ``data`` (TOML names, ``-`` or ``_``) onto ``base``."""
    known = {f.name: f for f in fields(VaultOptions)}
    changes: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = raw_key.replace("-", "_")
        key = _ALIASES.get(key, key)
        if key not in known:
            raise ParseError(path, None, f"unknown option {raw_key!r}")
        changes[key] = _coerce(path, key, value, getattr(base, key))
    return replace(base, **changes)


def load_options(root: Path, cli: VaultOptions | None = None) -> VaultOptions:
    """The options for the vault at ``root``: defaults, then ``srs.toml``, then ``cli``.

    Only the fields of ``cli`` that differ from the defaults override the file, so a CLI that
    passes ``VaultOptions(all_notes=True)`` keeps the vault's own separators.

    Raises:
        ParseError: ``srs.toml`` is not valid TOML or has a bad value.
    """
    options = VaultOptions()
    config = root / CONFIG_NAME
    if config.is_file():
        try:
            data = tomllib.loads(config.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ParseError(config, None, f"not valid TOML ({exc})") from exc
        section = data.get("vault", data.get("obsidian", data))
        if not isinstance(section, dict):
            raise ParseError(config, None, "the [vault] table is not a table")
        options = options_from_mapping(config, section, options)
    if cli is not None:
        defaults = VaultOptions()
        changes = {
            f.name: getattr(cli, f.name)
            for f in fields(VaultOptions)
            if getattr(cli, f.name) != getattr(defaults, f.name)
        }
        options = replace(options, **changes)
    return options
