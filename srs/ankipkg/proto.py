"""Provides the few protobuf messages of Anki's package format that srs reads and writes.

The messages are declared here with ``descriptor_pb2`` (field numbers taken from Anki's
``.proto`` files) and built with the ``protobuf`` runtime, so no varint is decoded by hand.
Only the fields srs models are declared; the rest survive as unknown fields in the raw blob,
which the importer keeps verbatim for the exporter.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message, message_factory

_F = descriptor_pb2.FieldDescriptorProto
_PKG = "srs.ankipkg"

# (message name, [(field name, number, type, repeated, message type name or None)])
_MESSAGES: list[tuple[str, list[tuple[str, int, int, bool, str | None]]]] = [
    ("PackageMetadata", [("version", 1, _F.TYPE_INT32, False, None)]),
    (
        "MediaEntry",
        [
            ("name", 1, _F.TYPE_STRING, False, None),
            ("size", 2, _F.TYPE_UINT32, False, None),
            ("sha1", 3, _F.TYPE_BYTES, False, None),
            ("legacy_zip_filename", 255, _F.TYPE_UINT32, False, None),
        ],
    ),
    ("MediaEntries", [("entries", 1, _F.TYPE_MESSAGE, True, "MediaEntry")]),
    (
        "NotetypeConfig",
        [
            ("kind", 1, _F.TYPE_INT32, False, None),  # 0 normal, 1 cloze
            ("sort_field_idx", 2, _F.TYPE_UINT32, False, None),
            ("css", 3, _F.TYPE_STRING, False, None),
        ],
    ),
    (
        "TemplateConfig",
        [
            ("q_format", 1, _F.TYPE_STRING, False, None),
            ("a_format", 2, _F.TYPE_STRING, False, None),
        ],
    ),
    (
        "DeckNormal",
        [
            ("config_id", 1, _F.TYPE_INT64, False, None),
            ("description", 4, _F.TYPE_STRING, False, None),
        ],
    ),
    ("DeckFiltered", [("reschedule", 1, _F.TYPE_BOOL, False, None)]),
    (
        "DeckKind",
        [
            ("normal", 1, _F.TYPE_MESSAGE, False, "DeckNormal"),
            ("filtered", 2, _F.TYPE_MESSAGE, False, "DeckFiltered"),
        ],
    ),
    (
        "DeckConfigConfig",
        [
            ("learn_steps", 1, _F.TYPE_FLOAT, True, None),
            ("relearn_steps", 2, _F.TYPE_FLOAT, True, None),
            ("fsrs_params_4", 3, _F.TYPE_FLOAT, True, None),
            ("fsrs_params_5", 5, _F.TYPE_FLOAT, True, None),
            ("fsrs_params_6", 6, _F.TYPE_FLOAT, True, None),
            ("new_per_day", 9, _F.TYPE_UINT32, False, None),
            ("reviews_per_day", 10, _F.TYPE_UINT32, False, None),
            ("maximum_review_interval", 16, _F.TYPE_UINT32, False, None),
            ("leech_action", 21, _F.TYPE_INT32, False, None),  # 0 suspend, 1 tag only
            ("leech_threshold", 22, _F.TYPE_UINT32, False, None),
            ("bury_new", 27, _F.TYPE_BOOL, False, None),
            ("bury_reviews", 28, _F.TYPE_BOOL, False, None),
            ("bury_interday_learning", 29, _F.TYPE_BOOL, False, None),
            ("desired_retention", 37, _F.TYPE_FLOAT, False, None),
            ("historical_retention", 40, _F.TYPE_FLOAT, False, None),
        ],
    ),
]


def _build() -> dict[str, type[message.Message]]:
    file_proto = descriptor_pb2.FileDescriptorProto(
        name="srs_ankipkg.proto", package=_PKG, syntax="proto2"
    )  # proto2: the presence of optional scalars (legacy_zip_filename) is visible
    for name, fields in _MESSAGES:
        msg = file_proto.message_type.add(name=name)
        for fname, number, ftype, repeated, type_name in fields:
            field = msg.field.add(name=fname, number=number, type=ftype)
            field.label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
            if type_name is not None:
                field.type_name = f".{_PKG}.{type_name}"
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file_proto)
    return {
        name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PKG}.{name}"))
        for name, _ in _MESSAGES
    }


_CLASSES = _build()


def parse(name: str, blob: bytes) -> Any:
    """Decode ``blob`` as the message ``name`` (a key of this module's message table).

    Raises:
        google.protobuf.message.DecodeError: the blob is not a valid message.
    """
    msg = _CLASSES[name]()
    msg.ParseFromString(blob)
    return msg


def new(name: str, **values: Any) -> Any:
    """A new message ``name`` with ``values`` set (for writers and tests)."""
    return _CLASSES[name](**values)
