"""Shared pieces of the resource classes: safe path segments and tolerant body unwrapping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import quote

from pydantic import BaseModel

from genpro_desktop.core.api._base_client import BaseClient
from genpro_desktop.core.api.errors import GenError

M = TypeVar("M", bound=BaseModel)
_LIST_KEYS = ("data", "items", "results")


class Resource:
    """Base of the resource groups; each holds the client's single request path."""

    def __init__(self, base: BaseClient) -> None:
        self._base = base

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def seg(value: str | int) -> str:
    """An id as one URL path segment: percent-encoded, never empty, never '.' or '..'."""
    text = str(value).strip()
    if text in ("", ".", ".."):
        raise GenError(f"{text!r} is not a valid GEN id.")
    return quote(text, safe="")


def parse_one(model: type[M], *wrappers: str) -> Callable[[object], M]:
    """A parser for one object, also accepting it wrapped Rails-style (`{"agent": {...}}`)."""

    def parse(payload: object) -> M:
        if isinstance(payload, dict) and "id" not in payload:
            fields = cast(dict[str, Any], payload)
            for key in wrappers:
                inner = fields.get(key)
                if isinstance(inner, dict):
                    return model.model_validate(inner)
        return model.model_validate(payload)

    return parse


def parse_list_raw(payload: object, *keys: str, what: str = "objects") -> list[dict[str, Any]]:
    """The object items of a list, bare or under one of `keys` (or data/items/results);
    `ValueError` "expected a list of `what`" when there is none."""
    items: object = payload
    if isinstance(payload, dict):
        fields = cast(dict[str, Any], payload)
        items = next(
            (fields[k] for k in (*keys, *_LIST_KEYS) if isinstance(fields.get(k), list)), None
        )
    if not isinstance(items, list):
        raise ValueError(f"expected a list of {what}")
    return [
        cast(dict[str, Any], item) for item in cast(list[object], items) if isinstance(item, dict)
    ]


def has_id(item: dict[str, Any]) -> bool:
    """True when the object carries a usable id (a string or a whole number)."""
    value = item.get("id")
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.strip() != "")


def parse_list(model: type[M], *keys: str) -> Callable[[object], list[M]]:
    """A parser for a list of objects, bare or under one of `keys` (or data/items/results)."""

    def parse(payload: object) -> list[M]:
        items = parse_list_raw(payload, *keys, what=f"{model.__name__} objects")
        return [model.model_validate(item) for item in items]

    return parse
