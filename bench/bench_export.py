"""Benchmark: ``srs export`` vs Anki's own exporter, same collection, same run.

The workload is the one of ``bench_import.py`` (made by the real Anki backend): 20,000
"Basic (and reversed card)" notes, 40,000 review cards with FSRS memory states, about
400,000 review-log rows over two years. srs imports Anki's package (not timed); then each
exporter runs in its own process under ``/usr/bin/time -v`` (whole-process wall time, CPU
time and peak RSS):

- srs: ``export_package`` of the whole collection with scheduling (legacy-2 layout);
- Anki: ``export_anki_package`` of its own collection with ``legacy=True``,
  ``with_scheduling``, deck options and media, i.e. the same layout.

The workload lives in /dev/shm when it exists. ``--small``: a 1/20 workload, quickly.

    /tmp/venv/bin/python bench/bench_export.py [--small] [--keep DIR]
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from types import ModuleType

SRS_EXPORT = """
import sys
from pathlib import Path
from srs.store import Store
from srs.export import export_package
store = Store.open(Path(sys.argv[2]))
report = export_package(store, Path(sys.argv[1]), force=True)
print(report.cards, report.revlog)
"""

ANKI_EXPORT = """
import sys
from anki.collection import Collection, ExportAnkiPackageOptions
col = Collection(sys.argv[2])
col.export_anki_package(out_path=sys.argv[1], options=ExportAnkiPackageOptions(
    with_scheduling=True, with_deck_configs=True, with_media=True, legacy=True), limit=None)
print(col.card_count(), col.db.scalar("select count() from revlog"))
col.close()
"""

VERIFY = """
import sys
from anki.collection import Collection, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageOptions
col = Collection(sys.argv[2])
col.import_anki_package(ImportAnkiPackageRequest(package_path=sys.argv[1],
    options=ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True)))
print(col.note_count(), col.card_count(), col.db.scalar("select count() from revlog"),
      col.db.scalar("select count() from cards where data like '%\\"s\\":%'"))
col.close()
"""

SRS_IMPORT = """
import sys
from pathlib import Path
from srs.store import Store
from importers.anki import import_package
store = Store.open(Path(sys.argv[2]))
import_package(store, Path(sys.argv[1]))
"""


def _bench_import() -> ModuleType:
    """The workload builder and timer shared with ``bench_import.py``."""
    path = Path(__file__).with_name("bench_import.py")
    spec = importlib.util.spec_from_file_location("bench_import", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="1/20 of the workload")
    parser.add_argument(
        "--keep", type=Path, help="keep the workload in this folder (and reuse it next time)"
    )
    args = parser.parse_args()
    shared = _bench_import()
    notes, per_card = shared.SMALL if args.small else shared.FULL
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        package = folder / "bench.apkg"
        if not (args.keep and package.exists() and (folder / "source.anki2").exists()):
            package = shared.make_package(folder, notes, per_card)
        anki_col = folder / "anki-export.anki2"
        shutil.copy(folder / "source.anki2", anki_col)
        srs_db = folder / "srs.db"
        for extra in ("", "-wal", "-shm"):
            Path(f"{srs_db}{extra}").unlink(missing_ok=True)
        subprocess.run([sys.executable, "-c", SRS_IMPORT, str(package), str(srs_db)], check=True)
        srs_out, anki_out = folder / "srs-out.apkg", folder / "anki-out.apkg"
        srs = shared.timed(SRS_EXPORT, srs_out, srs_db)
        anki = shared.timed(ANKI_EXPORT, anki_out, anki_col)
        print(f"workload: {notes} notes, {srs[3]} (cards, revlog rows) exported by srs")
        for name, (wall, cpu, mb, out), path in (
            ("srs ", srs, srs_out),
            ("anki", anki, anki_out),
        ):
            members = len(zipfile.ZipFile(path).namelist())
            print(
                f"{name}: {wall:6.2f} s wall  {cpu:6.2f} s CPU  {mb:5.0f} MB peak"
                f"  {path.stat().st_size / 1e6:5.1f} MB package ({members} members;"
                f" cards, revlog: {out})"
            )
        check = subprocess.run(
            [sys.executable, "-c", VERIFY, str(srs_out), str(folder / "verify.anki2")],
            capture_output=True,
            text=True,
            check=True,
        )
        counts = ", ".join(check.stdout.split())
        print(f"srs package imported by Anki (notes, cards, revlog, memory states): {counts}")
        print(
            f"ratio srs/anki: wall {srs[0] / anki[0]:.2f}x, CPU {srs[1] / anki[1]:.2f}x,"
            f" memory {srs[2] / anki[2]:.2f}x"
        )


if __name__ == "__main__":
    main()
