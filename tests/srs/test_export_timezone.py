"""Due dates keep their calendar day in a zone far from UTC, with a late rollover hour: the
Anki side runs in a subprocess whose TZ is set (Anki reads the zone from the system)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import json, sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo
from tests import anki_factory as factory
from importers.anki import import_package
from srs.clock import FixedClock
from srs.export import export_package
from srs.store import Store

folder = Path(sys.argv[1])
col = factory.Collection(str(folder / "src.anki2"))
col.set_config("rollover", 7)
did = col.decks.id("Zoned")
ids = []
for days in (0, 1, 5, 40):
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"], note["Back"] = f"due in {days}", "x"
    col.add_note(note, did)
    cid = col.db.scalar("select id from cards where nid=?", note.id)
    col.sched.set_due_date([cid], str(days))
    ids.append(cid)
want = {str(c): col.db.scalar("select due from cards where id=?", c) - col.sched.today for c in ids}
pkg = folder / "src.apkg"
col.export_anki_package(out_path=str(pkg), options=factory.ExportAnkiPackageOptions(
    with_scheduling=True, with_deck_configs=True, with_media=True, legacy=True), limit=None)
col.close()
tz = ZoneInfo(sys.argv[2])
store = Store.open(folder / "c.db", clock=FixedClock(datetime.now(tz), tz=tz))
import_package(store, pkg)
export_package(store, folder / "out.apkg")
store.close()
fresh = factory.anki_import(folder / "out.apkg", folder / "fresh")
got = {str(c): fresh.db.scalar("select due from cards where id=?", c) - fresh.sched.today
       for c in ids}
fresh.close()
print(json.dumps({"want": want, "got": got}))
"""


def test_due_days_survive_a_far_zone_and_late_rollover(tmp_path: Path) -> None:
    zone = "Pacific/Kiritimati"  # UTC+14: the calendar day differs from UTC's most hours
    env = {**os.environ, "TZ": zone, "PYTHONPATH": str(Path(__file__).parents[2])}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), zone],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["want"] == result["got"]
    assert sorted(result["want"].values()) == [0, 1, 5, 40]
