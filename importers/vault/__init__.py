"""Provides the Obsidian vault importer: ``import_vault(store, root, ...)``.

How a vault maps onto the collection (see also ``srs.ingest_vault``):

* Only notes with a flashcards tag (``#flashcards`` by default, body or front matter) are read,
  unless ``all_notes``. Syntaxes follow the obsidian-spaced-repetition plugin: ``Q::A``,
  ``Q:::A`` (both directions), multi-line ``?`` / ``??``, clozes (``==x==`` by default,
  ``**x**`` and ``{{x}}`` opt-in, numbered and hinted forms, Anki's ``{{c1::x::hint}}``),
  plus ``Q:`` / ``A:`` blocks. Code, math and comments never yield cards.
* One card block is one note: "Obsidian Basic" (Front/Back, one card), "Obsidian Basic (and
  reversed)" (Front/Back, cards ord 0 and 1) or "Obsidian Cloze" (Text/Extra, one card per
  cloze number, ord = number - 1). Fields hold the Markdown as written (clozes rewritten as
  Anki cloze markup, embeds renamed to their media-folder name).
* Deck: the nested flashcards tag in force (``#flashcards/ml/rl`` -> ``ml::rl``; a tag applies
  to the cards after it; a bare tag -> ``Default``), or the folder with
  ``decks_from_folders``. Other Obsidian tags become card tags (``a/b`` -> ``a::b``).
* Identity (``importers.vault.identity``): block id ``^id``, else content; an edited card
  matches the most similar vanished card of its file; a moved card matches by content. The
  note keeps its id, guid, cards and review history. A vanished card is retired (suspended,
  ``orphaned``), never deleted, and restored when its text returns.
* Settings come from ``srs.toml`` in the vault root (top level or a ``[vault]`` table, keys as
  in ``VaultOptions`` with ``-`` or ``_``), overridden by the options the CLI passes.
"""

from __future__ import annotations

from importers.vault.importer import import_vault
from importers.vault.options import VaultOptions, load_options
from importers.vault.report import VaultImportReport

__all__ = ["VaultImportReport", "VaultOptions", "import_vault", "load_options"]
