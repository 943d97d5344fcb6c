"""Provides the schema-18 settings an import kept as protobuf blobs (``extra["anki18"]``),
given back as the schema-11 JSON keys Anki maps them from, so that a collection that came
from a modern package keeps every preset, deck, note-type, field and template option.

The messages are declared here with ``descriptor_pb2`` (field numbers from Anki's
``deck_config.proto``, ``notetypes.proto`` and ``decks.proto``); the key mapping mirrors how
Anki converts between the two schemas. Each message's ``other`` field (255) holds JSON of
keys Anki itself does not model; it is merged back as it came.
"""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message, message_factory
from google.protobuf.message import DecodeError

_F = descriptor_pb2.FieldDescriptorProto
_PKG = "srs.export18"
_FLOAT, _U32, _I32, _I64 = _F.TYPE_FLOAT, _F.TYPE_UINT32, _F.TYPE_INT32, _F.TYPE_INT64
_BOOL, _STR, _BYTES, _MSG = _F.TYPE_BOOL, _F.TYPE_STRING, _F.TYPE_BYTES, _F.TYPE_MESSAGE
_R = True  # repeated

_DECK_CONFIG = [
    ("learn_steps", 1, _FLOAT, _R),
    ("relearn_steps", 2, _FLOAT, _R),
    ("fsrs_params_4", 3, _FLOAT, _R),
    ("easy_days_percentages", 4, _FLOAT, _R),
    ("fsrs_params_5", 5, _FLOAT, _R),
    ("fsrs_params_6", 6, _FLOAT, _R),
    ("new_per_day", 9, _U32),
    ("reviews_per_day", 10, _U32),
    ("initial_ease", 11, _FLOAT),
    ("easy_multiplier", 12, _FLOAT),
    ("hard_multiplier", 13, _FLOAT),
    ("lapse_multiplier", 14, _FLOAT),
    ("interval_multiplier", 15, _FLOAT),
    ("maximum_review_interval", 16, _U32),
    ("minimum_lapse_interval", 17, _U32),
    ("graduating_interval_good", 18, _U32),
    ("graduating_interval_easy", 19, _U32),
    ("new_card_insert_order", 20, _I32),
    ("leech_action", 21, _I32),
    ("leech_threshold", 22, _U32),
    ("disable_autoplay", 23, _BOOL),
    ("cap_answer_time_to_secs", 24, _U32),
    ("show_timer", 25, _BOOL),
    ("skip_question_when_replaying_answer", 26, _BOOL),
    ("bury_new", 27, _BOOL),
    ("bury_reviews", 28, _BOOL),
    ("bury_interday_learning", 29, _BOOL),
    ("new_mix", 30, _I32),
    ("interday_learning_mix", 31, _I32),
    ("new_card_sort_order", 32, _I32),
    ("review_order", 33, _I32),
    ("new_card_gather_priority", 34, _I32),
    ("new_per_day_minimum", 35, _U32),
    ("question_action", 36, _I32),
    ("desired_retention", 37, _FLOAT),
    ("stop_timer_on_answer", 38, _BOOL),
    ("historical_retention", 40, _FLOAT),
    ("seconds_to_show_question", 41, _FLOAT),
    ("seconds_to_show_answer", 42, _FLOAT),
    ("answer_action", 43, _I32),
    ("wait_for_audio", 44, _BOOL),
    ("param_search", 45, _STR),
    ("ignore_revlogs_before_date", 46, _STR),
    ("other", 255, _BYTES),
]

_MESSAGES: list[tuple[str, list[tuple[Any, ...]]]] = [
    ("DeckConfig", _DECK_CONFIG),
    (
        "CardRequirement",
        [("card_ord", 1, _U32), ("kind", 2, _I32), ("field_ords", 3, _U32, _R)],
    ),
    (
        "NotetypeConfig",
        [
            ("kind", 1, _I32),
            ("sort_field_idx", 2, _U32),
            ("css", 3, _STR),
            ("target_deck_id_unused", 4, _I64),
            ("latex_pre", 5, _STR),
            ("latex_post", 6, _STR),
            ("latex_svg", 7, _BOOL),
            ("reqs", 8, _MSG, _R, "CardRequirement"),
            ("original_stock_kind", 9, _I32),
            ("original_id", 10, _I64),
            ("other", 255, _BYTES),
        ],
    ),
    (
        "FieldConfig",
        [
            ("sticky", 1, _BOOL),
            ("rtl", 2, _BOOL),
            ("font_name", 3, _STR),
            ("font_size", 4, _U32),
            ("description", 5, _STR),
            ("plain_text", 6, _BOOL),
            ("collapsed", 7, _BOOL),
            ("exclude_from_search", 8, _BOOL),
            ("id", 9, _I64),
            ("tag", 10, _U32),
            ("prevent_deletion", 11, _BOOL),
            ("other", 255, _BYTES),
        ],
    ),
    (
        "TemplateConfig",
        [
            ("q_format", 1, _STR),
            ("a_format", 2, _STR),
            ("q_format_browser", 3, _STR),
            ("a_format_browser", 4, _STR),
            ("target_deck_id", 5, _I64),
            ("browser_font_name", 6, _STR),
            ("browser_font_size", 7, _U32),
            ("id", 8, _I64),
            ("other", 255, _BYTES),
        ],
    ),
    (
        "DeckCommon",
        [("study_collapsed", 1, _BOOL), ("browser_collapsed", 2, _BOOL), ("other", 255, _BYTES)],
    ),
    (
        "DeckNormal",
        [
            ("config_id", 1, _I64),
            ("extend_new", 2, _U32),
            ("extend_review", 3, _U32),
            ("description", 4, _STR),
            ("markdown_description", 5, _BOOL),
            ("review_limit", 6, _U32),
            ("new_limit", 7, _U32),
            ("desired_retention", 10, _FLOAT),
        ],
    ),
    ("DeckKind", [("normal", 1, _MSG, False, "DeckNormal")]),
]


def _build() -> dict[str, type[message.Message]]:
    proto = descriptor_pb2.FileDescriptorProto(
        name="srs_export18.proto", package=_PKG, syntax="proto2"
    )  # proto2: presence of optional scalars (ids, limits) is visible
    for name, fields in _MESSAGES:
        msg = proto.message_type.add(name=name)
        for spec in fields:
            fname, number, ftype = spec[:3]
            repeated = len(spec) > 3 and spec[3]
            field = msg.field.add(name=fname, number=number, type=ftype)
            field.label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
            if len(spec) > 4:
                field.type_name = f".{_PKG}.{spec[4]}"
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return {
        name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PKG}.{name}"))
        for name, _ in _MESSAGES
    }


_CLASSES = _build()


def _parse(name: str, b64: Any) -> Any:
    """The message ``name`` decoded from base64 text; None if absent or unreadable."""
    if not isinstance(b64, str) or not b64:
        return None
    try:
        msg = _CLASSES[name]()
        msg.ParseFromString(base64.b64decode(b64))
    except (DecodeError, ValueError):
        return None
    return msg


def f32(value: float) -> float:
    """The shortest decimal that reads back as the same 32-bit float (as Anki writes it)."""
    packed = struct.pack("<f", value)
    for digits in range(1, 10):
        short = float(f"{value:.{digits}g}")
        if struct.pack("<f", short) == packed:
            return short
    return value


def _floats(values: Any) -> list[float]:
    return [f32(v) for v in values]


def _other(msg: Any) -> dict[str, Any]:
    if not msg.other:
        return {}
    try:
        value = json.loads(msg.other)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def preset(blob: Any) -> dict[str, Any]:
    """The ``dconf`` keys a schema-18 deck-options blob maps to ({} if none)."""
    c = _parse("DeckConfig", blob)
    if c is None:
        return {}
    other = _other(c)
    extra = {k: v for k, v in other.items() if k not in ("new", "rev", "lapse")}

    def sub(key: str) -> dict[str, Any]:
        value = other.get(key)
        return dict(value) if isinstance(value, dict) else {}

    return {
        **extra,
        "maxTaken": c.cap_answer_time_to_secs,
        "autoplay": not c.disable_autoplay,
        "timer": 1 if c.show_timer else 0,
        "replayq": not c.skip_question_when_replaying_answer,
        "new": {
            **sub("new"),
            "bury": c.bury_new,
            "delays": _floats(c.learn_steps),
            "initialFactor": round(c.initial_ease * 1000),
            "ints": [c.graduating_interval_good, c.graduating_interval_easy, 0],
            "order": 0 if c.new_card_insert_order == 1 else 1,
            "perDay": c.new_per_day,
        },
        "rev": {
            **sub("rev"),
            "bury": c.bury_reviews,
            "ease4": f32(c.easy_multiplier),
            "ivlFct": f32(c.interval_multiplier),
            "maxIvl": c.maximum_review_interval,
            "perDay": c.reviews_per_day,
            "hardFactor": f32(c.hard_multiplier),
        },
        "lapse": {
            **sub("lapse"),
            "delays": _floats(c.relearn_steps),
            "leechAction": c.leech_action,
            "leechFails": c.leech_threshold,
            "minInt": c.minimum_lapse_interval,
            "mult": f32(c.lapse_multiplier),
        },
        "newMix": c.new_mix,
        "newPerDayMinimum": c.new_per_day_minimum,
        "interdayLearningMix": c.interday_learning_mix,
        "reviewOrder": c.review_order,
        "newSortOrder": c.new_card_sort_order,
        "newGatherPriority": c.new_card_gather_priority,
        "buryInterdayLearning": c.bury_interday_learning,
        "fsrsWeights": _floats(c.fsrs_params_4),
        "fsrsParams5": _floats(c.fsrs_params_5),
        "fsrsParams6": _floats(c.fsrs_params_6),
        "desiredRetention": f32(c.desired_retention),
        "ignoreRevlogsBeforeDate": c.ignore_revlogs_before_date,
        "easyDaysPercentages": _floats(c.easy_days_percentages),
        "stopTimerOnAnswer": c.stop_timer_on_answer,
        "secondsToShowQuestion": f32(c.seconds_to_show_question),
        "secondsToShowAnswer": f32(c.seconds_to_show_answer),
        "questionAction": c.question_action,
        "answerAction": c.answer_action,
        "waitForAudio": c.wait_for_audio,
        "sm2Retention": f32(c.historical_retention),
        "weightSearch": c.param_search,
    }


def deck(common_blob: Any, kind_blob: Any) -> dict[str, Any]:
    """The ``decks`` keys of a normal deck's schema-18 blobs ({} if none)."""
    out: dict[str, Any] = {}
    common = _parse("DeckCommon", common_blob)
    if common is not None:
        out.update(_other(common))
        out.update(collapsed=common.study_collapsed, browserCollapsed=common.browser_collapsed)
    kind = _parse("DeckKind", kind_blob)
    if kind is not None and kind.HasField("normal"):
        n = kind.normal
        out.update(
            extendNew=n.extend_new,
            extendRev=n.extend_review,
            reviewLimit=n.review_limit if n.HasField("review_limit") else None,
            newLimit=n.new_limit if n.HasField("new_limit") else None,
            desiredRetention=(
                round(n.desired_retention * 100) if n.HasField("desired_retention") else None
            ),
        )
        if n.markdown_description:
            out["md"] = True
    return out


_REQ_KINDS = {0: "none", 1: "any", 2: "all"}


def notetype(blob: Any) -> dict[str, Any]:
    """The ``models`` keys of a schema-18 note-type config blob ({} if none)."""
    c = _parse("NotetypeConfig", blob)
    if c is None:
        return {}
    out = {
        **_other(c),
        "did": c.target_deck_id_unused or None,
        "latexPre": c.latex_pre,
        "latexPost": c.latex_post,
        "latexsvg": c.latex_svg,
        "req": [[r.card_ord, _REQ_KINDS.get(r.kind, "any"), list(r.field_ords)] for r in c.reqs],
    }
    if c.original_stock_kind:
        out["originalStockKind"] = c.original_stock_kind
    if c.HasField("original_id"):
        out["originalId"] = c.original_id
    return out


def field(blob: Any) -> dict[str, Any]:
    """The keys of one note-type field from its schema-18 config blob ({} if none)."""
    c = _parse("FieldConfig", blob)
    if c is None:
        return {}
    out = {
        **_other(c),
        "sticky": c.sticky,
        "rtl": c.rtl,
        "font": c.font_name,
        "size": c.font_size,
        "description": c.description,
        "plainText": c.plain_text,
        "collapsed": c.collapsed,
        "excludeFromSearch": c.exclude_from_search,
        "tag": c.tag if c.HasField("tag") else None,
        "preventDeletion": c.prevent_deletion,
    }
    if c.HasField("id"):
        out["id"] = c.id
    return out


def template(blob: Any) -> dict[str, Any]:
    """The keys of one card template from its schema-18 config blob ({} if none)."""
    c = _parse("TemplateConfig", blob)
    if c is None:
        return {}
    out = {
        **_other(c),
        "bqfmt": c.q_format_browser,
        "bafmt": c.a_format_browser,
        "did": c.target_deck_id or None,
        "bfont": c.browser_font_name,
        "bsize": c.browser_font_size,
    }
    if c.HasField("id"):
        out["id"] = c.id
    return out
