"""Reads an engine id out of what a user pastes: a number, a uuid, or a gen.pro link."""

from __future__ import annotations

import itertools
import re
from urllib.parse import parse_qs, urlsplit

_NUMERIC = re.compile(r"^\d{1,18}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ENGINE_WORDS = {"engine", "engines", "vidsheet", "vidsheets", "sheet", "sheets", "project"}
_ENGINE_QUERY_KEYS = ("engine", "engine_id", "vidsheet", "sheet", "project")


def _is_id(text: str) -> bool:
    return bool(_NUMERIC.match(text) or _UUID.match(text))


def parse_engine_reference(text: str) -> str | None:
    """The engine id in `text` (an id or a gen.pro URL), or None when there is none."""
    value = text.strip()
    if _is_id(value):
        return value
    try:
        parts = urlsplit(value if "://" in value else f"https://{value}")
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if not (host == "gen.pro" or host.endswith(".gen.pro")):
        return None
    query = parse_qs(parts.query)
    for key in _ENGINE_QUERY_KEYS:
        for candidate in query.get(key, []):
            if _is_id(candidate):
                return candidate
    segments = [s for s in parts.path.split("/") if s]
    for word, following in itertools.pairwise(segments):
        if word.lower() in _ENGINE_WORDS and _is_id(following):
            return following
    ids = [s for s in segments if _is_id(s)]
    # gen.pro/{agent_id}/.../{engine_id}: the engine is the last id in the path.
    return ids[-1] if len(ids) >= 2 or (ids and ids[-1] != segments[0]) else None
