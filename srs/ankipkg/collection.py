"""Provides ``AnkiCollection``: typed records read from an Anki SQLite collection.

Schema 11 keeps note types, decks and presets as JSON in the ``col`` row; schema 18 keeps
them in their own tables with protobuf blobs and names collated with ``unicase``. Both are
read into the records of ``srs.ankipkg.records``. The file must be a private copy (the
container extracts one), because SQLite may need to write beside it (WAL header).
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from google.protobuf.message import DecodeError

from srs.ankipkg import proto
from srs.ankipkg.records import (
    CollectionInfo,
    PkgCard,
    PkgDeck,
    PkgNote,
    PkgNotetype,
    PkgPreset,
    PkgRevlog,
)
from srs.errors import PackageError

MIN_SCHEMA = 11
MAX_SCHEMA = 18
_REVLOG_BATCH = 5000
# The review-log columns an importer reads, in the order ``iter_revlog`` yields them.
REVLOG_COLUMNS = ("cid", "id", "ease", "type", "lastIvl", "ivl", "factor", "time")


def _unicase(a: str, b: str) -> int:
    x, y = a.casefold(), b.casefold()
    return (x > y) - (x < y)


def _b64(blob: bytes | None) -> str:
    return base64.b64encode(blob or b"").decode("ascii")


def _steps(values: Any) -> list[float]:
    return [float(v) for v in values or []]


class AnkiCollection:
    """An Anki collection file opened read-only-in-spirit, with its records on demand."""

    def __init__(self, sqlite_path: Path, package_path: Path) -> None:
        self.package_path = package_path
        self.sqlite_path = sqlite_path
        try:
            self.conn = sqlite3.connect(sqlite_path)
            self.conn.create_collation("unicase", _unicase)
            check = self.conn.execute("pragma quick_check").fetchone()
            if not check or check[0] != "ok":
                raise PackageError(package_path, f"the collection is corrupt ({check})")
            row = self.conn.execute("select crt, ver, conf from col").fetchone()
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise PackageError(
                package_path, f"the collection is not a readable SQLite database ({exc})"
            ) from exc
        if row is None:
            raise PackageError(package_path, "the collection has no col row")
        crt, ver, conf = row
        if not isinstance(ver, int) or ver < MIN_SCHEMA or ver > MAX_SCHEMA:
            raise PackageError(
                package_path,
                f"collection schema {ver} is not supported (srs reads {MIN_SCHEMA}-{MAX_SCHEMA})",
            )
        config = self._config(ver, conf)
        self.info = CollectionInfo(
            schema_version=ver,
            crt=int(crt),
            rollover_hour=int(config.get("rollover", 4) or 4) if "rollover" in config else 4,
            sched_version=int(config.get("schedVer", 2) or 2),
            config=config,
        )

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> AnkiCollection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _fail(self, reason: str) -> PackageError:
        return PackageError(self.package_path, reason)

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._fail(f"the collection cannot be read ({exc})") from exc

    def _json(self, text: Any, what: str) -> Any:
        try:
            return json.loads(text) if text else {}
        except (TypeError, ValueError) as exc:
            raise self._fail(f"the collection's {what} JSON is unreadable") from exc

    def _config(self, ver: int, conf: Any) -> dict[str, Any]:
        if ver < 18:
            value = self._json(conf, "config")
            return value if isinstance(value, dict) else {}
        out: dict[str, Any] = {}
        for key, val in self._query("select key, val from config"):
            try:
                out[key] = json.loads(val)
            except (TypeError, ValueError):
                out[key] = None
        return out

    def _col_json(self, column: str) -> dict[str, Any]:
        rows = self._query(f"select {column} from col")  # noqa: S608 - fixed column names
        value = self._json(rows[0][0], column)
        if not isinstance(value, dict):
            raise self._fail(f"the collection's {column} JSON is not an object")
        return value

    # -- presets ---------------------------------------------------------------------------

    def presets(self) -> list[PkgPreset]:
        """Every deck options preset."""
        if self.info.schema_version < 18:
            return [self._preset11(c) for c in self._col_json("dconf").values()]
        out: list[PkgPreset] = []
        for pid, name, mtime, blob in self._query(
            "select id, name, mtime_secs, config from deck_config"
        ):
            try:
                c = proto.parse("DeckConfigConfig", blob or b"")
            except DecodeError as exc:
                raise self._fail(f"deck options {name!r} are unreadable") from exc
            params = list(c.fsrs_params_6) or list(c.fsrs_params_5) or list(c.fsrs_params_4)
            out.append(
                PkgPreset(
                    anki_id=int(pid),
                    name=str(name),
                    mod=int(mtime),
                    new_per_day=int(c.new_per_day),
                    reviews_per_day=int(c.reviews_per_day),
                    learn_steps=list(c.learn_steps),
                    relearn_steps=list(c.relearn_steps),
                    desired_retention=round(float(c.desired_retention), 6) or 0.9,
                    maximum_interval=int(c.maximum_review_interval) or 36500,
                    fsrs_params=[round(float(p), 6) for p in params],
                    bury_new=bool(c.bury_new),
                    bury_reviews=bool(c.bury_reviews),
                    bury_interday_learning=bool(c.bury_interday_learning),
                    leech_threshold=int(c.leech_threshold),
                    leech_action="suspend" if c.leech_action == 0 else "tag",
                    extra={"anki18": {"config": _b64(blob)}},
                    historical_retention=round(float(c.historical_retention), 6) or 0.9,
                )
            )
        return out

    def _preset11(self, c: dict[str, Any]) -> PkgPreset:
        new = c.get("new") or {}
        rev = c.get("rev") or {}
        lapse = c.get("lapse") or {}
        params = c.get("fsrsParams6") or c.get("fsrsParams5") or c.get("fsrsWeights") or []
        return PkgPreset(
            anki_id=int(c["id"]),
            name=str(c.get("name", "")),
            mod=int(c.get("mod", 0)),
            new_per_day=int(new.get("perDay", 20)),
            reviews_per_day=int(rev.get("perDay", 200)),
            learn_steps=_steps(new.get("delays", [1, 10])),
            relearn_steps=_steps(lapse.get("delays", [10])),
            desired_retention=float(c.get("desiredRetention", 0.9)),
            maximum_interval=int(rev.get("maxIvl", 36500)),
            fsrs_params=[float(p) for p in params],
            bury_new=bool(new.get("bury", False)),
            bury_reviews=bool(rev.get("bury", False)),
            bury_interday_learning=bool(c.get("buryInterdayLearning", False)),
            leech_threshold=int(lapse.get("leechFails", 8)),
            leech_action="suspend" if int(lapse.get("leechAction", 1)) == 0 else "tag",
            extra={"anki11": c},
            historical_retention=float(c.get("sm2Retention", 0.9) or 0.9),
        )

    # -- decks -----------------------------------------------------------------------------

    def decks(self) -> list[PkgDeck]:
        """Every deck, parents included."""
        if self.info.schema_version < 18:
            out = []
            for d in self._col_json("decks").values():
                filtered = bool(d.get("dyn", 0))
                out.append(
                    PkgDeck(
                        anki_id=int(d["id"]),
                        name=str(d["name"]),
                        mod=int(d.get("mod", 0)),
                        filtered=filtered,
                        preset_anki_id=None if filtered else int(d.get("conf", 1)),
                        description=str(d.get("desc", "")),
                        extra={"anki11": d},
                    )
                )
            return out
        result = []
        for did, name, mtime, common, kind in self._query(
            "select id, name, mtime_secs, common, kind from decks"
        ):
            try:
                k = proto.parse("DeckKind", kind or b"")
            except DecodeError as exc:
                raise self._fail(f"deck {name!r} is unreadable") from exc
            filtered = k.HasField("filtered")
            result.append(
                PkgDeck(
                    anki_id=int(did),
                    name=str(name).replace("\x1f", "::"),
                    mod=int(mtime),
                    filtered=filtered,
                    preset_anki_id=None if filtered else int(k.normal.config_id),
                    description="" if filtered else str(k.normal.description),
                    extra={"anki18": {"common": _b64(common), "kind": _b64(kind)}},
                )
            )
        return result

    # -- note types ------------------------------------------------------------------------

    def notetypes(self) -> list[PkgNotetype]:
        """Every note type with its fields and templates."""
        if self.info.schema_version < 18:
            return [self._notetype11(m) for m in self._col_json("models").values()]
        fields: dict[int, list[dict[str, Any]]] = {}
        for ntid, ord_, name, blob in self._query(
            "select ntid, ord, name, config from fields order by ntid, ord"
        ):
            fields.setdefault(int(ntid), []).append(
                {"name": str(name), "ord": int(ord_), "anki18": _b64(blob)}
            )
        templates: dict[int, list[dict[str, Any]]] = {}
        for ntid, ord_, name, mtime, blob in self._query(
            "select ntid, ord, name, mtime_secs, config from templates order by ntid, ord"
        ):
            try:
                t = proto.parse("TemplateConfig", blob or b"")
            except DecodeError as exc:
                raise self._fail(f"card template {name!r} is unreadable") from exc
            templates.setdefault(int(ntid), []).append(
                {
                    "name": str(name),
                    "ord": int(ord_),
                    "qfmt": str(t.q_format),
                    "afmt": str(t.a_format),
                    "mtime": int(mtime),
                    "anki18": _b64(blob),
                }
            )
        out = []
        for ntid, name, mtime, blob in self._query(
            "select id, name, mtime_secs, config from notetypes"
        ):
            try:
                c = proto.parse("NotetypeConfig", blob or b"")
            except DecodeError as exc:
                raise self._fail(f"note type {name!r} is unreadable") from exc
            out.append(
                PkgNotetype(
                    anki_id=int(ntid),
                    name=str(name),
                    mod=int(mtime),
                    kind="cloze" if c.kind == 1 else "standard",
                    fields=fields.get(int(ntid), []),
                    templates=templates.get(int(ntid), []),
                    css=str(c.css),
                    sort_field=int(c.sort_field_idx),
                    extra={"anki18": {"config": _b64(blob)}},
                )
            )
        return out

    def _notetype11(self, m: dict[str, Any]) -> PkgNotetype:
        fields = [dict(f) for f in m.get("flds", [])]
        templates = [dict(t) for t in m.get("tmpls", [])]
        rest = {k: v for k, v in m.items() if k not in ("flds", "tmpls", "css")}
        return PkgNotetype(
            anki_id=int(m["id"]),
            name=str(m["name"]),
            mod=int(m.get("mod", 0)),
            kind="cloze" if int(m.get("type", 0)) == 1 else "standard",
            fields=fields,
            templates=templates,
            css=str(m.get("css", "")),
            sort_field=int(m.get("sortf", 0)),
            extra={"anki11": rest},
        )

    # -- notes, cards, review log ----------------------------------------------------------

    def notes(self) -> list[PkgNote]:
        """Every note."""
        rows = self._query(
            "select id, guid, mid, mod, tags, flds, sfld, flags, data from notes order by id"
        )
        return [
            PkgNote(
                int(r[0]),
                str(r[1]),
                int(r[2]),
                int(r[3]),
                str(r[4] or ""),
                str(r[5]),
                "" if r[6] is None else str(r[6]),
                int(r[7] or 0),
                str(r[8] or ""),
            )
            for r in rows
        ]

    def cards(self) -> list[PkgCard]:
        """Every card."""
        rows = self._query(
            "select id, nid, did, ord, mod, type, queue, due, ivl, factor, reps, lapses, left,"
            " odue, odid, flags, ifnull(data, '') from cards order by id"
        )
        for r in rows[:1]:
            if not all(isinstance(v, int) for v in r[:16]):
                raise self._fail("the cards table holds non-integer values")
        return [PkgCard._make(r) for r in rows]

    def revlog_count(self) -> int:
        return int(self._query("select count() from revlog")[0][0])

    def revlog_source(self) -> Path | None:
        """The collection file, for an importer to read the review log from directly (by
        attaching it), when its ``revlog`` is a plain table with every column of
        ``REVLOG_COLUMNS`` and ``id`` as its integer primary key, in a UTF-8 file (SQLite
        attaches no other encoding to a UTF-8 database); else None (read it with
        ``iter_revlog``)."""
        if self._query("pragma encoding")[0][0] != "UTF-8":
            return None
        kind = self._query("select type from sqlite_master where name = 'revlog'")
        if [tuple(r) for r in kind] != [("table",)]:
            return None
        info = self._query("pragma table_info(revlog)")
        columns = {str(r[1]) for r in info}
        # ``id`` must be the rowid (INTEGER PRIMARY KEY), as in Anki: always an integer
        keys = [(str(r[1]), str(r[2]).lower()) for r in info if r[5]]
        if keys != [("id", "integer")] or not columns.issuperset(REVLOG_COLUMNS):
            return None
        return self.sqlite_path

    def iter_revlog(self) -> Iterator[list[tuple[int, ...]]]:
        """The review log by card, then time, in batches of raw tuples
        ``(cid, id, ease, type, lastIvl, ivl, factor, time)`` (no objects: there can be
        millions of rows).

        Card order is the order of the importer's unique (card, time) key: inserting in
        it appends to that index instead of touching a random page per row, which halves
        the cost of a large import. SQLite's sorter orders the rows (``NOT INDEXED``): it
        is faster than a walk of ``ix_revlog_cid`` with one table lookup per row.
        """
        try:
            cur = self.conn.execute(
                f"select {', '.join(REVLOG_COLUMNS)} from revlog not indexed order by cid, id"
            )
            while True:
                rows = cur.fetchmany(_REVLOG_BATCH)
                if not rows:
                    return
                yield rows
        except sqlite3.DatabaseError as exc:
            raise self._fail(f"the review log cannot be read ({exc})") from exc

    def revlog_of(self, card_ids: Iterable[int]) -> Iterator[list[PkgRevlog]]:
        """The review log of ``card_ids`` only, by card then time, in batches."""
        ids = sorted(card_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                "select id, cid, ease, ivl, lastIvl, factor, time, type from revlog"
                f" where cid in ({marks}) order by cid, id",
                tuple(chunk),
            )
            yield [PkgRevlog._make(r) for r in rows]
