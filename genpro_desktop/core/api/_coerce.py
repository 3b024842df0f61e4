"""Lenient coercions for GEN's inconsistent JSON, used as pydantic `BeforeValidator`s.

Each turns one documented variation into one shape: ids -> str, credits -> Decimal, timestamps
(ISO, epoch seconds, epoch ms) -> aware UTC datetime; unusable values become None, not errors.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, TypeVar, cast

from pydantic import BaseModel, BeforeValidator

T = TypeVar("T")

# Epoch numbers above this are milliseconds: 1e11 seconds is the year 5138, 1e11 ms is 1973.
_EPOCH_MS_THRESHOLD = 1e11


def scalar_text(value: object) -> str | None:
    """An id-like scalar as text (ints without ".0"); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value
    return None


def _to_id(value: object) -> object:
    text = scalar_text(value)
    return value if text is None else text


def _to_optional_id(value: object) -> str | None:
    return scalar_text(value)


def to_text(value: object) -> str | None:
    """Any JSON value as text: scalars via str(), containers as compact JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | int | float | Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _to_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        # str() first so 2.5 stays 2.5 instead of its binary expansion.
        result = Decimal(str(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            return None
    else:
        return None
    return result if result.is_finite() else None


def _to_datetime(value: object) -> datetime | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            except ValueError:
                return None
            return _to_datetime(parsed)
    if number is None or not math.isfinite(number):
        return None
    seconds = number / 1000.0 if abs(number) > _EPOCH_MS_THRESHOLD else number
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _to_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _to_bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str):
        return {"true": True, "1": True, "false": False, "0": False}.get(value.strip().lower())
    return None


def _dict_or_none(value: object) -> object:
    return cast(object, value) if isinstance(value, dict | BaseModel) else None


def _dict_items(value: object) -> list[object]:
    """The object-shaped items of a list; null or anything else that is not a list -> []."""
    if not isinstance(value, list):
        return []
    return [item for item in cast(list[object], value) if isinstance(item, dict | BaseModel)]


def to_balance(value: object) -> object:
    """A balance object, or a bare number taken as the generic balance."""
    if isinstance(value, dict | BaseModel):
        return cast(object, value)
    if _to_decimal(value) is not None:
        return {"generic": value}
    return None


Id = Annotated[str, BeforeValidator(_to_id)]
OptionalId = Annotated[str | None, BeforeValidator(_to_optional_id)]
Text = Annotated[str | None, BeforeValidator(to_text)]
Credits = Annotated[Decimal | None, BeforeValidator(_to_decimal)]
Timestamp = Annotated[datetime | None, BeforeValidator(_to_datetime)]
OptionalInt = Annotated[int | None, BeforeValidator(_to_int)]
OptionalBool = Annotated[bool | None, BeforeValidator(_to_bool)]
ModelList = Annotated[list[T], BeforeValidator(_dict_items)]
OptionalModel = Annotated[T | None, BeforeValidator(_dict_or_none)]
