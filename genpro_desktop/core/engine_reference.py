"""Reads an engine id out of what a user pastes: a number, a uuid, or a gen.pro link.

GEN documents no route that lists an agent's engines, so users add engines by hand; the GUI's
"Add engine" box and `genpro engines --add` both read what was pasted through this one parser.
"""

from __future__ import annotations

import itertools
import re
from urllib.parse import parse_qs, urlsplit

_NUMERIC = re.compile(r"^\d{1,20}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Path words that precede an engine id in gen.pro links (the product has used all of these names).
_ENGINE_WORDS = frozenset(
    {
        "vidsheet",
        "vidsheets",
        "autocontentengine",
        "engine",
        "engines",
        "sheet",
        "sheets",
        "spreadsheet",
        "spreadsheets",
        "project",
        "projects",
    }
)
_ENGINE_QUERY_KEYS = (
    "engine_id",
    "sheet_id",
    "project_id",
    "spreadsheet_id",
    "engine",
    "vidsheet",
    "sheet",
    "project",
)


def _is_id(text: str) -> bool:
    return bool(_NUMERIC.match(text) or _UUID.match(text))


def _is_gen_host(host: str) -> bool:
    return host == "gen.pro" or host.endswith(".gen.pro")


def parse_engine_reference(text: str) -> str | None:
    """The engine id in `text` (an id or a gen.pro link), or None when it names no engine."""
    value = text.strip()
    if _is_id(value):
        return value
    try:
        parts = urlsplit(value if "://" in value else f"https://{value}")
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if not _is_gen_host(host):
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
    # gen.pro/{agent_id}/.../{engine_id}: the engine is the last id in the path. A link whose only
    # id is its first segment (gen.pro/{agent_id}/api) names an agent, not an engine.
    if not ids or (len(ids) == 1 and ids[0] == segments[0]):
        return None
    return ids[-1]
