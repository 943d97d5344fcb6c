"""Every preset, deck, note-type, field and template option survives Anki -> srs -> Anki, from
a modern (schema 18, protobuf) package as from a legacy (schema 11, JSON) one: compared,
option by option, with Anki's own package imported into a fresh collection."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from importers.anki import import_package
from srs.clock import FixedClock
from srs.export import export_package
from srs.store import Store
from tests import anki_factory as factory


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("settings")
    col = factory.Collection(str(folder / "src.anki2"))
    try:
        conf_id = col.decks.add_config_returning_id("Tuned")
        conf = col.decks.get_config(conf_id)
        conf["new"].update(
            perDay=17, delays=[1.5, 25.0], ints=[2, 5, 0], initialFactor=2300, order=0, bury=True
        )
        conf["rev"].update(perDay=321, ease4=1.45, ivlFct=0.9, maxIvl=999, hardFactor=1.1)
        conf["lapse"].update(delays=[7.0], leechFails=5, leechAction=0, minInt=2, mult=0.2)
        conf.update(
            maxTaken=45,
            autoplay=False,
            timer=1,
            replayq=False,
            newMix=1,
            reviewOrder=3,
            newSortOrder=2,
            newGatherPriority=1,
            interdayLearningMix=2,
            desiredRetention=0.83,
            easyDaysPercentages=[1.0, 0.5, 1.0, 1.0, 1.0, 0.0, 1.0],
            fsrsParams6=[round(0.1 + i / 7, 4) for i in range(21)],
            ignoreRevlogsBeforeDate="2025-01-01",
            buryInterdayLearning=True,
            secondsToShowQuestion=3.5,
            waitForAudio=False,
            questionAction=1,
        )
        col.decks.update_config(conf)
        did = col.decks.id("Lang::French")
        deck = col.decks.get(did)
        deck.update(
            conf=conf_id, desc="*French*", reviewLimit=55, newLimit=9, desiredRetention=88, md=True
        )
        col.decks.save(deck)
        mm = col.models
        model = mm.new("Styled")
        for name, font, size in (("Word", "Georgia", 31), ("Meaning", "Courier", 12)):
            f = mm.new_field(name)
            f.update(
                font=font,
                size=size,
                rtl=name == "Word",
                sticky=True,
                description=f"the {name}",
                plainText=name == "Meaning",
                collapsed=True,
                excludeFromSearch=name == "Meaning",
            )
            mm.add_field(model, f)
        t = mm.new_template("Forward")
        t.update(
            qfmt="{{Word}}",
            afmt="{{FrontSide}}<hr id=answer>{{Meaning}}",
            bqfmt="<b>{{Word}}</b>",
            bafmt="{{Meaning}}",
            bfont="Arial",
            bsize=9,
        )
        mm.add_template(model, t)
        model.update(
            css=".card { color: red; }",
            latexPre="\\documentclass{article}X",
            latexsvg=True,
            sortf=1,
        )
        mm.add(model)
        note = col.new_note(col.models.by_name("Styled"))
        note["Word"], note["Meaning"] = "chat", "cat"
        col.add_note(note, did)
        paths = {}
        for name, legacy in (("latest", False), ("legacy2", True)):
            paths[name] = folder / f"{name}.apkg"
            col.export_anki_package(
                out_path=str(paths[name]),
                options=factory.ExportAnkiPackageOptions(
                    with_scheduling=True,
                    with_deck_configs=True,
                    with_media=True,
                    legacy=legacy,
                ),
                limit=None,
            )
    finally:
        col.close()
    return paths


def _settings(col: Any) -> dict[str, Any]:
    drop = ("id", "mod", "usn")
    deck = dict(col.decks.by_name("Lang::French"))
    conf = col.decks.config_dict_for_deck_id(deck["id"])
    model = dict(col.models.by_name("Styled"))
    return {
        "conf": {k: v for k, v in conf.items() if k not in drop},
        "deck": {k: v for k, v in deck.items() if k not in (*drop, "conf")},
        "model": {k: v for k, v in model.items() if k not in (*drop, "flds", "tmpls")},
        "fields": [{k: v for k, v in f.items() if k != "id"} for f in model["flds"]],
        "templates": [{k: v for k, v in t.items() if k != "id"} for t in model["tmpls"]],
    }


@pytest.mark.parametrize("fmt", ["latest", "legacy2"])
def test_every_option_survives(fmt: str, source: dict[str, Path], tmp_path: Path) -> None:
    tz = datetime.now().astimezone().tzinfo
    assert tz is not None
    store = Store.open(tmp_path / "c.db", clock=FixedClock(datetime.now().astimezone(tz), tz=tz))
    import_package(store, source[fmt])
    out = tmp_path / "out.apkg"
    export_package(store, out)
    store.close()
    ours = factory.anki_import(out, tmp_path / "ours")
    own = factory.anki_import(source[fmt], tmp_path / "own")
    try:
        want, got = _settings(own), _settings(ours)
        assert want["conf"]["new"]["perDay"] == 17 and want["deck"]["reviewLimit"] == 55
        for key in want:
            assert got[key] == want[key], key
    finally:
        ours.close()
        own.close()
