"""The duplicate-publish fingerprint: equal for what a person calls the same post, else not."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from genpro_desktop.core.publishing import (
    dedupe_key,
    normalise_caption,
    normalise_media_url,
    normalise_schedule,
)

URL = "https://cdn.gen.pro/outputs/render_880001.mp4"
WHEN = datetime(2026, 11, 28, 8, 30, tzinfo=UTC)
SPACES = st.sampled_from([" ", "  ", "\t", "\n", " \n ", "\u00a0", "\u3000", "\r\n"])
WORDS = st.lists(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp")),
        min_size=1,
        max_size=8,
    ).filter(lambda word: word.strip() == word and not any(c.isspace() for c in word)),
    min_size=1,
    max_size=6,
)


def key(caption: str = "New drop #launch", **overrides: object) -> str:
    fields: dict[str, object] = {
        "agent_id": "4711",
        "platform": "tiktok",
        "media_url": URL,
        "caption": caption,
        "scheduled_utc": WHEN,
    }
    fields.update(overrides)
    return dedupe_key(**fields)  # type: ignore[arg-type]


@given(words=WORDS, gaps=st.lists(SPACES, min_size=7, max_size=7), lead=SPACES, tail=SPACES)
def test_whitespace_never_matters(words: list[str], gaps: list[str], lead: str, tail: str) -> None:
    plain = " ".join(words)
    spaced = lead + "".join(w + g for w, g in zip(words, gaps, strict=False)) + tail
    assert key(spaced) == key(plain)


@given(words=WORDS)
def test_unicode_composition_never_matters(words: list[str]) -> None:
    text = " ".join(words)
    assert key(unicodedata.normalize("NFD", text)) == key(unicodedata.normalize("NFC", text))


@given(text=st.text(alphabet="abcdefghijklmnopqrstuvwxyzéàüß #@!0123456789", min_size=1))
def test_letter_case_never_matters(text: str) -> None:
    assert key(text.upper()) == key(text) == key(text.title())


@given(first=WORDS, second=WORDS)
def test_different_words_make_different_keys(first: list[str], second: list[str]) -> None:
    if normalise_caption(" ".join(first)) != normalise_caption(" ".join(second)):
        assert key(" ".join(first)) != key(" ".join(second))


def test_caption_normal_form() -> None:
    assert normalise_caption("  New\tDROP\n\n#Launch  ") == "new drop #launch"
    assert normalise_caption("Straße") == normalise_caption("STRASSE") == "strasse"


@given(
    params=st.lists(
        st.tuples(
            st.text(alphabet="abcdefgh", min_size=1, max_size=4),
            st.text(alphabet="0123456789xyz", max_size=4),
        ),
        unique_by=lambda pair: pair[0],
        max_size=5,
    ),
    data=st.data(),
)
def test_query_order_never_matters(params: list[tuple[str, str]], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(params))
    as_query = "&".join(f"{k}={v}" for k, v in params)
    as_shuffled = "&".join(f"{k}={v}" for k, v in shuffled)
    assert key(media_url=f"{URL}?{as_query}") == key(media_url=f"{URL}?{as_shuffled}")


@pytest.mark.parametrize(
    "variant",
    [
        "HTTPS://CDN.GEN.PRO/outputs/render_880001.mp4",
        "https://cdn.gen.pro:443/outputs/render_880001.mp4",
        "https://cdn.gen.pro/outputs/render_880001.mp4#t=3",
        "  https://cdn.gen.pro/outputs/render_880001.mp4  ",
        "https://cdn.gen.pro/outputs/render_880001.mp4?X-Amz-Signature=abc&X-Amz-Expires=60",
        "https://cdn.gen.pro/outputs/render_880001.mp4?Expires=1&Signature=s&Key-Pair-Id=k",
        "https://cdn.gen.pro/outputs/render_880001.mp4?sig=a&se=2026&sp=r&sv=1",
    ],
)
def test_media_url_differences_that_name_the_same_file(variant: str) -> None:
    assert key(media_url=variant) == key()


@pytest.mark.parametrize(
    "other",
    [
        "https://cdn.gen.pro/outputs/render_880002.mp4",
        "https://cdn.gen.pro/OUTPUTS/render_880001.mp4",  # paths are case-sensitive
        "http://cdn.gen.pro/outputs/render_880001.mp4",
        "https://cdn.gen.pro:8443/outputs/render_880001.mp4",
        "https://cdn.gen.pro/outputs/render_880001.mp4?v=2",
    ],
)
def test_media_url_differences_that_matter(other: str) -> None:
    assert key(media_url=other) != key()


def test_media_url_normal_form() -> None:
    assert (
        normalise_media_url("HTTP://Example.COM:80/a?b=2&a=1#x") == "http://example.com/a?a=1&b=2"
    )
    assert normalise_media_url("https://[::1]:8443/v.mp4") == "https://[::1]:8443/v.mp4"
    assert normalise_media_url("https://host:bad/v.mp4") == "https://host:bad/v.mp4"


@given(seconds=st.integers(0, 59), micros=st.integers(0, 999_999))
def test_the_schedule_counts_to_the_minute(seconds: int, micros: int) -> None:
    assert key(scheduled_utc=WHEN.replace(second=seconds, microsecond=micros)) == key()


@given(minutes=st.integers(-600, 600), hours=st.integers(-12, 14))
def test_the_schedule_is_an_instant_not_a_wall_time(minutes: int, hours: int) -> None:
    moment = WHEN + timedelta(minutes=minutes)
    same = moment.astimezone(timezone(timedelta(hours=hours)))
    assert key(scheduled_utc=same) == key(scheduled_utc=moment)
    if minutes:
        assert key(scheduled_utc=moment) != key()


def test_now_and_scheduled_differ() -> None:
    assert key(scheduled_utc=None) != key()
    assert normalise_schedule(None) == "now"
    assert normalise_schedule(WHEN) == "2026-11-28T08:30Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        normalise_schedule(datetime(2026, 11, 28, 8, 30))


def test_agent_and_platform() -> None:
    assert key(agent_id=" 4711 ") == key(agent_id=4711) == key()
    assert key(agent_id="4712") != key()
    assert key(platform="TikTok") == key()
    assert key(platform="instagram") != key()


def test_the_key_is_an_opaque_sha256() -> None:
    value = key()
    assert len(value) == 64
    assert int(value, 16) >= 0
    assert "4711" not in value
