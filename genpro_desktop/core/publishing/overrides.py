"""Per-platform caption and title overrides, and the schedule posts they need (Qt-free).

GEN's schedule API takes one `description` and one `title` per post (gen-api.md 11.1: the shared
text must fit the strictest platform of the post). A platform whose caption or title the user
customised therefore goes out in a post of its own, or with the other platforms that end up
with exactly the same text. `group_posts` splits the chosen platforms into those posts:

- each platform's *effective* text is its override when it has one, else the shared text;
- platforms that use the title (a title limit in their rule: YouTube, Facebook, LinkedIn) are
  grouped by caption and title;
- platforms that ignore the title (TikTok, Instagram, X) join a post with the same caption
  (the one with the shared title first), so a YouTube title alone never splits a post;
- posts and their platforms keep GEN's platform order, the shared-text post first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from genpro_desktop.core.publishing.platforms import LABELS, RuleBook

__all__ = ["Override", "PostGroup", "describe_groups", "group_posts"]


@dataclass(frozen=True)
class Override:
    """A platform's own text; None keeps the shared one."""

    caption: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class PostGroup:
    """One schedule post: its platforms and the text they share."""

    platforms: tuple[str, ...]
    caption: str
    title: str | None
    own_caption: bool = False  # the caption differs from the shared one
    own_title: bool = False  # the title differs from the shared one

    @property
    def shared(self) -> bool:
        """Whether this post carries the shared caption and title."""
        return not self.own_caption and not self.own_title


def _clean_title(title: str | None) -> str | None:
    return (title or "").strip() or None


def group_posts(
    chosen: Sequence[str],
    caption: str,
    title: str | None,
    overrides: Mapping[str, Override],
    rules: RuleBook | None = None,
) -> list[PostGroup]:
    """The schedule posts the chosen platforms need, given their overrides."""
    book = rules or RuleBook.builtin()
    shared_title = _clean_title(title)
    order = {name: index for index, name in enumerate(LABELS)}
    chosen = sorted(dict.fromkeys(chosen), key=lambda n: order.get(n, len(order)))

    def effective(name: str) -> tuple[str, str | None]:
        own = overrides.get(name, Override())
        text = own.caption if own.caption is not None else caption
        head = _clean_title(own.title) if own.title is not None else shared_title
        return text, head

    def uses_title(name: str) -> bool:
        rule = book.get(name)
        return rule is not None and rule.title_limit is not None

    keys: list[tuple[str, str | None]] = []
    members: dict[tuple[str, str | None], list[str]] = {}
    for name in [n for n in chosen if uses_title(n)]:
        key = effective(name)
        if key not in members:
            keys.append(key)
            members[key] = []
        members[key].append(name)
    for name in [n for n in chosen if not uses_title(n)]:
        text, _ = effective(name)
        same = [k for k in keys if k[0] == text]
        key = next((k for k in same if k[1] == shared_title), same[0] if same else None)
        if key is None:
            key = (text, shared_title)
            keys.append(key)
            members[key] = []
        members[key].append(name)
    groups = [
        PostGroup(
            platforms=tuple(sorted(members[key], key=lambda n: order.get(n, len(order)))),
            caption=key[0],
            title=key[1],
            own_caption=key[0] != caption,
            own_title=key[1] != shared_title,
        )
        for key in keys
    ]
    groups.sort(key=lambda g: (not g.shared, order.get(g.platforms[0], len(order))))
    return groups


def describe_groups(groups: Sequence[PostGroup]) -> str:
    """How the posts split, in words: "2 posts: TikTok + Instagram with the shared caption;
    YouTube with its own caption"."""
    if len(groups) <= 1:
        return ""
    parts: list[str] = []
    for group in groups:
        names = " + ".join(LABELS.get(n, n) for n in group.platforms)
        its = "its" if len(group.platforms) == 1 else "their"
        if group.shared:
            what = "the shared caption"
        elif group.own_caption and group.own_title:
            what = f"{its} own caption and title"
        elif group.own_caption:
            what = f"{its} own caption"
        else:
            what = f"the shared caption and {its} own title"
        parts.append(f"{names} with {what}")
    return f"{len(groups)} posts: " + "; ".join(parts)
