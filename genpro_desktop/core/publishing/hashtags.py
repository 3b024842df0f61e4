"""Hashtag suggestions for a caption, drawn from the texts a render was made from.

Qt-free so the GUI composer and the CLI offer the same suggestions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_SUGGESTIONS = 8
_HASHTAG = re.compile(r"#(\w{2,})", re.UNICODE)
_WORD = re.compile(r"[^\W\d_]{5,}", re.UNICODE)

# Common English words of five letters or more (shorter words are never suggested): they say
# nothing about a video, so they make useless hashtags.
STOPWORDS = frozenset(
    """
    about above across after again against almost alone along already also although always
    among another anyone anything around because become becomes been before behind being below
    beside besides between beyond both cannot could didnt does doesnt doing down during each
    either else enough every everyone everything except first from further have having hence
    here however inside instead into itself just least less might more most much must never
    nothing often other others otherwise over perhaps quite rather really same seems should
    since some something still such than that their theirs them themselves then there therefore
    these they thing things this those though through throughout thus together toward towards
    under until upon very want what whatever when whenever where whereas wherever whether which
    while whole whom whose will with within without would your yours yourself yourselves
    """.split()  # noqa: SIM905 (a word list reads better than 150 quoted strings)
)


def suggest_hashtags(texts: Iterable[str], limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Hashtags for a caption from the engine row's text cells: the ones written there first (in
    order of appearance), then its longest words that are not stopwords; unique
    (case-insensitive), at most `limit`."""
    values = [text for text in texts if text]
    written = [match.group(1) for value in values for match in _HASHTAG.finditer(value)]
    candidates: list[str] = [
        match.group(0).lower() for value in values for match in _WORD.finditer(value)
    ]
    words = sorted((word for word in candidates if word not in STOPWORDS), key=len, reverse=True)
    found: list[str] = []
    seen: set[str] = set()
    for word in [*written, *words]:
        if word.lower() in seen:
            continue
        seen.add(word.lower())
        found.append("#" + word)
        if len(found) >= limit:
            break
    return found
