"""Caption templates: a caption filled from an engine row's text cells (Qt-free).

A template names columns in braces, e.g. ``{TEXT 1} {hashtags}``: each ``{Column title}`` becomes
that cell's text (column titles match case-insensitively), ``{hashtags}`` the suggested hashtags.
A name that matches no column is left as written, so the user sees what did not fill.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

HASHTAGS = "hashtags"
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def default_template(columns: Sequence[str]) -> str:
    """The first text column followed by the hashtags (just the hashtags without columns)."""
    return f"{{{columns[0]}}} {{{HASHTAGS}}}" if columns else f"{{{HASHTAGS}}}"


def fill_template(template: str, cells: Mapping[str, str], hashtags: Sequence[str]) -> str:
    """`template` with each placeholder replaced; blank runs left by empty cells collapsed."""
    by_name = {name.strip().lower(): value for name, value in cells.items()}

    def value(match: re.Match[str]) -> str:
        name = match.group(1).strip().lower()
        if name == HASHTAGS:
            return " ".join(hashtags)
        return by_name.get(name, match.group(0)).strip()

    filled = _PLACEHOLDER.sub(value, template)
    lines = [" ".join(line.split()) for line in filled.splitlines()]
    return "\n".join(lines).strip()
