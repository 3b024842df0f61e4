"""core.engine_reference: the one parser behind the GUI's and the CLI's "add engine"."""

from __future__ import annotations

import pytest

from genpro_desktop.core.engine_reference import parse_engine_reference


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9101", "9101"),
        (" 9101 ", "9101"),
        ("https://gen.pro/4711/vidsheet/9101", "9101"),
        ("https://app.gen.pro/engines/77?view=grid", "77"),
        ("gen.pro/4711/autocontentengine/55/rows/3", "55"),
        ("https://gen.pro/editor?project_id=808", "808"),
        ("https://gen.pro/editor?engine=809", "809"),
        ("https://gen.pro/4711/9102", "9102"),
        ("3f2b8c1e-5a6d-4e7f-8a9b-0c1d2e3f4a5b", "3f2b8c1e-5a6d-4e7f-8a9b-0c1d2e3f4a5b"),
    ],
)
def test_reads_the_engine_id(text: str, expected: str) -> None:
    assert parse_engine_reference(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "my engine",
        "https://evil.example/vidsheet/1",
        "https://gen.pro.evil.example/vidsheet/1",
        "https://gen.pro/settings",
        "https://gen.pro/4711/api",  # names the agent, not an engine
        "http://[::1",  # not even a URL
    ],
)
def test_refuses_what_names_no_engine(text: str) -> None:
    assert parse_engine_reference(text) is None
