"""core.api._prefix: candidate order, memory, and what counts as a missing route."""

from __future__ import annotations

import pytest

from genpro_desktop.core.api import APIStatusError, NotFoundError, PrefixMemory
from genpro_desktop.core.api._prefix import is_route_missing, prefix_candidates, proves_route
from genpro_desktop.core.api.errors import UnprocessableError


def test_auto_tries_vidsheet_then_autocontentengine() -> None:
    assert prefix_candidates("auto", None) == ("vidsheet", "autocontentengine")


def test_auto_tries_the_remembered_prefix_first_and_keeps_the_other_as_fallback() -> None:
    assert prefix_candidates("auto", "autocontentengine") == ("autocontentengine", "vidsheet")
    assert prefix_candidates("auto", "bogus") == ("vidsheet", "autocontentengine")


@pytest.mark.parametrize("fixed", ["vidsheet", "autocontentengine"])
def test_a_fixed_prefix_is_the_only_candidate(fixed: str) -> None:
    assert prefix_candidates(fixed, "vidsheet") == (fixed,)


def test_an_unknown_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="path_prefix"):
        prefix_candidates("sheets", None)


def test_memory_is_per_base_url_and_can_be_saved_and_loaded() -> None:
    memory = PrefixMemory()
    memory.remember("https://a.example/v1", "autocontentengine")
    assert memory.get("https://a.example/v1") == "autocontentengine"
    assert memory.get("https://b.example/v1") is None
    saved = memory.snapshot()
    restored = PrefixMemory(saved | {"https://c.example/v1": "nonsense"})
    assert restored.snapshot() == saved
    restored.forget("https://a.example/v1")
    assert restored.get("https://a.example/v1") is None
    memory.clear()
    assert memory.snapshot() == {}
    with pytest.raises(ValueError, match="prefix"):
        memory.remember("https://a.example/v1", "nonsense")


def _err(cls: type[APIStatusError], status: int, code: str | None) -> APIStatusError:
    return cls("x", status_code=status, error_code=code)


def test_only_a_404_without_error_code_is_a_missing_route() -> None:
    assert is_route_missing(_err(NotFoundError, 404, None))
    assert not is_route_missing(_err(NotFoundError, 404, "spreadsheet_not_found"))
    assert not is_route_missing(_err(NotFoundError, 404, "not_found"))
    assert not is_route_missing(_err(APIStatusError, 405, None))
    assert is_route_missing(_err(APIStatusError, 405, None), allow_405=True)
    assert not is_route_missing(ValueError("x"))


def test_gens_own_error_codes_prove_the_route_exists() -> None:
    assert proves_route(_err(NotFoundError, 404, "spreadsheet_not_found"))
    assert proves_route(_err(UnprocessableError, 422, "usable_gen_credit_required"))
    assert not proves_route(_err(NotFoundError, 404, None))
    assert not proves_route(_err(APIStatusError, 401, "unauthorized"))
