"""Provides the Anki package format: containers, schema 11 and 18 collections, units.

``open_package(path)`` gives an ``AnkiPackage``: the container (zip, media) and the
collection records. The importer and the exporter share this knowledge.
"""

from __future__ import annotations

from pathlib import Path

from srs.ankipkg.collection import AnkiCollection
from srs.ankipkg.container import Limits, MediaMember, PackageContainer, PackageVersion
from srs.errors import PackageError

__all__ = [
    "AnkiCollection",
    "AnkiPackage",
    "Limits",
    "MediaMember",
    "PackageContainer",
    "PackageVersion",
    "open_package",
]


class AnkiPackage:
    """An open package: ``container`` (zip and media) and ``collection`` (records)."""

    def __init__(self, container: PackageContainer, collection: AnkiCollection) -> None:
        self.container = container
        self.collection = collection
        self.path = container.path

    def close(self) -> None:
        self.collection.close()
        self.container.close()

    def __enter__(self) -> AnkiPackage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_package(path: Path, limits: Limits | None = None) -> AnkiPackage:
    """Open an .apkg or .colpkg (whatever its extension says: the content decides).

    Raises:
        PackageError: the file is not a readable Anki package.
    """
    container = PackageContainer(Path(path), limits)
    try:
        sqlite_path = container.extract_collection()
        collection = AnkiCollection(sqlite_path, container.path)
    except BaseException:
        container.close()
        raise
    if collection.info.schema_version >= 18 and container.version != PackageVersion.LATEST:
        collection.close()
        container.close()
        raise PackageError(path, "a schema 18 collection in a legacy package")
    return AnkiPackage(container, collection)
