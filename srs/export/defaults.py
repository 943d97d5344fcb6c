"""Provides the schema-11 shapes an exported collection is built from: the table definitions
and the JSON objects (deck options, decks, note types, fields, templates, collection config)
with the values a fresh Anki collection gives them.

Anki reads schema-11 JSON with serde: many keys have no default and must be present. Each
exported object starts from these defaults, then takes what srs kept of the original (the
``anki11`` JSON in ``extra``), then what srs models itself (names, steps, limits, ...).
``tests/srs/test_export_defaults.py`` checks the defaults against a real Anki collection.
"""

from __future__ import annotations

import copy
from typing import Any

SCHEMA_VERSION = 11

SCHEMA_SQL = """
create table col (
  id integer primary key, crt integer not null, mod integer not null, scm integer not null,
  ver integer not null, dty integer not null, usn integer not null, ls integer not null,
  conf text not null, models text not null, decks text not null, dconf text not null,
  tags text not null
);
create table notes (
  id integer primary key, guid text not null, mid integer not null, mod integer not null,
  usn integer not null, tags text not null, flds text not null, sfld integer not null,
  csum integer not null, flags integer not null, data text not null
);
create table cards (
  id integer primary key, nid integer not null, did integer not null, ord integer not null,
  mod integer not null, usn integer not null, type integer not null, queue integer not null,
  due integer not null, ivl integer not null, factor integer not null, reps integer not null,
  lapses integer not null, left integer not null, odue integer not null,
  odid integer not null, flags integer not null, data text not null
);
create table revlog (
  id integer primary key, cid integer not null, usn integer not null, ease integer not null,
  ivl integer not null, lastIvl integer not null, factor integer not null,
  time integer not null, type integer not null
);
create table graves (usn integer not null, oid integer not null, type integer not null);
"""

# Anki's own indexes, less the three on ``usn`` that only syncing uses.
INDEX_SQL = """
create index ix_cards_nid on cards (nid);
create index ix_cards_sched on cards (did, queue, due);
create index ix_revlog_cid on revlog (cid);
create index ix_notes_csum on notes (csum);
"""

_LATEX_PRE = (
    "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n"
    "\\usepackage[utf8]{inputenc}\n\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n"
    "\\setlength{\\parindent}{0in}\n\\begin{document}\n"
)

_PRESET: dict[str, Any] = {
    "id": 0,
    "mod": 0,
    "name": "",
    "usn": 0,
    "maxTaken": 60,
    "autoplay": True,
    "timer": 0,
    "replayq": True,
    "new": {
        "bury": False,
        "delays": [1.0, 10.0],
        "initialFactor": 2500,
        "ints": [1, 4, 0],
        "order": 1,
        "perDay": 20,
    },
    "rev": {
        "bury": False,
        "ease4": 1.3,
        "ivlFct": 1.0,
        "maxIvl": 36500,
        "perDay": 200,
        "hardFactor": 1.2,
    },
    "lapse": {"delays": [10.0], "leechAction": 1, "leechFails": 8, "minInt": 1, "mult": 0.0},
    "dyn": False,
    "newMix": 0,
    "newPerDayMinimum": 0,
    "interdayLearningMix": 0,
    "reviewOrder": 0,
    "newSortOrder": 0,
    "newGatherPriority": 0,
    "buryInterdayLearning": False,
    "fsrsWeights": [],
    "fsrsParams5": [],
    "fsrsParams6": [],
    "desiredRetention": 0.9,
    "ignoreRevlogsBeforeDate": "",
    "easyDaysPercentages": [1.0] * 7,
    "stopTimerOnAnswer": False,
    "secondsToShowQuestion": 0.0,
    "secondsToShowAnswer": 0.0,
    "questionAction": 0,
    "answerAction": 0,
    "waitForAudio": True,
    "sm2Retention": 0.9,
    "weightSearch": "",
}

_DECK: dict[str, Any] = {
    "id": 0,
    "mod": 0,
    "name": "",
    "usn": 0,
    "lrnToday": [0, 0],
    "revToday": [0, 0],
    "newToday": [0, 0],
    "timeToday": [0, 0],
    "collapsed": True,
    "browserCollapsed": True,
    "desc": "",
    "dyn": 0,
    "conf": 1,
    "extendNew": 0,
    "extendRev": 0,
    "reviewLimit": None,
    "newLimit": None,
    "reviewLimitToday": None,
    "newLimitToday": None,
    "desiredRetention": None,
}

_NOTETYPE: dict[str, Any] = {
    "id": 0,
    "name": "",
    "type": 0,
    "mod": 0,
    "usn": 0,
    "sortf": 0,
    "did": None,
    "tmpls": [],
    "flds": [],
    "css": "",
    "latexPre": _LATEX_PRE,
    "latexPost": "\\end{document}",
    "latexsvg": False,
    "req": [],
}

_FIELD: dict[str, Any] = {
    "name": "",
    "ord": 0,
    "sticky": False,
    "rtl": False,
    "font": "Arial",
    "size": 20,
    "description": "",
    "plainText": False,
    "collapsed": False,
    "excludeFromSearch": False,
    "tag": None,
    "preventDeletion": False,
}

_TEMPLATE: dict[str, Any] = {
    "name": "",
    "ord": 0,
    "qfmt": "",
    "afmt": "",
    "bqfmt": "",
    "bafmt": "",
    "did": None,
    "bfont": "",
    "bsize": 0,
}

_CONF: dict[str, Any] = {
    "nextPos": 1,
    "newSpread": 0,
    "estTimes": True,
    "collapseTime": 1200,
    "addToCur": True,
    "activeDecks": [1],
    "dayLearnFirst": False,
    "sortType": "noteFld",
    "schedVer": 2,
    "sortBackwards": False,
    "timeLim": 0,
    "sched2021": True,
    "curDeck": 1,
    "creationOffset": 0,
    "dueCounts": True,
}


def preset() -> dict[str, Any]:
    """A fresh deck-options object (``dconf`` entry) with Anki's defaults."""
    return copy.deepcopy(_PRESET)


def deck() -> dict[str, Any]:
    """A fresh normal-deck object with Anki's defaults."""
    return copy.deepcopy(_DECK)


def notetype() -> dict[str, Any]:
    """A fresh note-type object (``models`` entry) with Anki's defaults."""
    return copy.deepcopy(_NOTETYPE)


def field() -> dict[str, Any]:
    """A fresh note-type field object."""
    return copy.deepcopy(_FIELD)


def template() -> dict[str, Any]:
    """A fresh card-template object."""
    return copy.deepcopy(_TEMPLATE)


def conf() -> dict[str, Any]:
    """A fresh collection config (``col.conf``): scheduler v2, so Anki runs no upgrade."""
    return copy.deepcopy(_CONF)
