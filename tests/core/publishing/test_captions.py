from __future__ import annotations

from genpro_desktop.core.publishing.captions import default_template, fill_template


def test_template_fills_columns_case_insensitively_and_hashtags() -> None:
    cells = {"TEXT 1": "Meet our avatar", "Text 2": "  second  "}
    got = fill_template("{text 1} - {TEXT 2}\n{hashtags}", cells, ["#demo", "#launch"])
    assert got == "Meet our avatar - second\n#demo #launch"


def test_unknown_column_stays_visible_and_empty_cells_leave_no_gap() -> None:
    got = fill_template("{Hook} {TEXT 1} {Missing}", {"Hook": "", "TEXT 1": "Hi"}, [])
    assert got == "Hi {Missing}"


def test_default_template_uses_the_first_text_column() -> None:
    assert default_template(["TEXT 1", "TEXT 2"]) == "{TEXT 1} {hashtags}"
    assert default_template([]) == "{hashtags}"
