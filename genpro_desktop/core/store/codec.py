"""LocalJob <-> JSON and table row, lossless for Decimal and datetime.

The whole job is stored as one JSON object (the source of truth) next to a few indexed columns
used only for queries. Decimals are written as their exact string (``"47.50"`` stays ``47.50``),
datetimes as ISO 8601 with microseconds and offset, enums as their value. Decoding follows the
`LocalJob` field annotations, ignores fields it does not know (written by a newer version) and
defaults fields that are missing (written by an older one).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, NamedTuple

from genpro_desktop.core.jobs.model import LocalJob

__all__ = [
    "JobRow",
    "decode_datetime",
    "encode_datetime",
    "job_from_json",
    "job_to_json",
    "job_to_row",
    "sort_key",
]

_Decoder = Callable[[object], object]


class JobRow(NamedTuple):
    """The indexed columns of the ``jobs`` table plus the JSON document, in column order."""

    id: str
    kind: str
    state: str
    agent_id: str | None
    remote_id: str | None
    parent_id: str | None
    dedupe_key: str | None
    created_at: str
    updated_at: str
    finished_at: str | None
    data: str
    failure: str | None


def encode_datetime(value: datetime) -> str:
    """The exact ISO 8601 text of a datetime (microseconds and offset kept)."""
    return value.isoformat(timespec="microseconds")


def decode_datetime(value: object) -> datetime:
    """Parse what `encode_datetime` wrote; raises ValueError for anything else."""
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 string, got {value!r}")
    return datetime.fromisoformat(value)


def sort_key(value: datetime) -> str:
    """A column value that sorts chronologically: the instant in UTC, fixed-width ISO text."""
    # Within a day of year 1 or 9999 the UTC instant may not exist: keep the local reading.
    if value.tzinfo is not None:
        with contextlib.suppress(OverflowError):
            value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds")


def job_to_json(job: LocalJob) -> str:
    """Serialise every field of a job to compact JSON."""
    document = {field.name: _encode_value(getattr(job, field.name)) for field in _FIELDS}
    # ensure_ascii keeps the text valid UTF-8 whatever the strings contain.
    return json.dumps(document, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def job_to_row(job: LocalJob) -> JobRow:
    """The row that stores a job (indexed columns + JSON)."""
    return JobRow(
        id=job.id,
        kind=str(job.kind.value),
        state=str(job.state.value),
        agent_id=job.agent_id,
        remote_id=job.remote_id,
        parent_id=job.parent_id,
        dedupe_key=job.dedupe_key,
        created_at=sort_key(job.created_at),
        updated_at=sort_key(job.updated_at),
        finished_at=sort_key(job.finished_at) if job.finished_at is not None else None,
        data=job_to_json(job),
        failure=job.failure.value if job.failure is not None else None,
    )


def job_from_json(text: str, *, fallback: Mapping[str, object] | None = None) -> LocalJob:
    """Rebuild a job from `job_to_json` output; `fallback` fills fields the JSON lacks."""
    loaded: object = json.loads(text)
    if not isinstance(loaded, dict):
        raise ValueError("a stored job is not a JSON object")
    document = typing.cast(dict[str, object], loaded)
    values: dict[str, object] = {}
    for field in _FIELDS:
        if field.name in document:
            raw = document[field.name]
        elif fallback is not None and field.name in fallback:
            raw = fallback[field.name]
        elif _has_default(field):
            continue  # an older version did not write it: the dataclass default applies
        else:
            raise ValueError(f"a stored job has no {field.name!r}")
        values[field.name] = _DECODERS[field.name](raw)
    return LocalJob(**typing.cast(dict[str, Any], values))


def _encode_value(value: object) -> object:
    # Enum first: a StrEnum is also a str, but it must be stored as its plain value.
    if isinstance(value, Enum):
        return typing.cast(object, value.value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return encode_datetime(value)
    if isinstance(value, float):
        return value
    if isinstance(value, tuple):
        # A post's per-platform states: a list of plain objects.
        return [_encode_record(item) for item in typing.cast(tuple[object, ...], value)]
    raise TypeError(f"cannot store a {type(value).__name__} in a job")


def _encode_record(item: object) -> object:
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return {f.name: _encode_value(getattr(item, f.name)) for f in dataclasses.fields(item)}
    return _encode_value(item)


def _record_decoder(record_type: type[Any]) -> _Decoder:
    """A tuple of dataclass records from a JSON list; unknown keys (a newer version) ignored."""
    names = {f.name for f in dataclasses.fields(record_type)}

    def decode(raw: object) -> object:
        if not isinstance(raw, list):
            raise ValueError(f"expected a list of records, got {type(raw).__name__}")
        items: list[object] = []
        for entry in typing.cast(list[object], raw):
            if not isinstance(entry, dict):
                raise ValueError("a stored record is not a JSON object")
            fields = typing.cast(dict[str, object], entry)
            items.append(record_type(**{k: v for k, v in fields.items() if k in names}))
        return tuple(items)

    return decode


def _has_default(field: dataclasses.Field[object]) -> bool:
    return (
        field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
    )


def _decoder_for(hint: object) -> _Decoder:
    """How to turn a JSON value back into a value of the annotated type."""
    args: tuple[object, ...] = typing.get_args(hint)
    origin = typing.get_origin(hint)
    if origin is typing.Union or isinstance(hint, types.UnionType):
        concrete = [arg for arg in args if arg is not type(None)]
        if len(concrete) == 1:
            inner = _decoder_for(concrete[0])
            return lambda raw: None if raw is None else inner(raw)
        return _identity
    if origin is tuple and args and dataclasses.is_dataclass(args[0]):
        return _record_decoder(typing.cast(type[Any], args[0]))
    if hint is Decimal:
        return _decode_decimal
    if hint is datetime:
        return decode_datetime
    if isinstance(hint, type) and issubclass(hint, Enum):
        enum_type: type[Enum] = hint
        return lambda raw: enum_type(raw)
    return _identity


def _decode_decimal(raw: object) -> Decimal:
    if isinstance(raw, str | int):
        return Decimal(raw)
    raise ValueError(f"expected a decimal string, got {raw!r}")


def _identity(raw: object) -> object:
    return raw


def _init_fields() -> tuple[dataclasses.Field[object], ...]:
    return tuple(
        typing.cast(dataclasses.Field[object], field)
        for field in dataclasses.fields(LocalJob)
        if field.init
    )


_FIELDS = _init_fields()
_HINTS: dict[str, object] = typing.get_type_hints(LocalJob)
_DECODERS: dict[str, _Decoder] = {field.name: _decoder_for(_HINTS[field.name]) for field in _FIELDS}
