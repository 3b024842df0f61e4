"""core.api._prefix: candidate order, memory, and what counts as a missing route."""

from __future__ import annotations

import pytest

from genpro_desktop.core.api import APIStatusError, NotFoundError, PrefixMemory
from genpro_desktop.core.api._prefix import (
    confirms_prefix,
    might_be_missing_route,
    most_telling,
    prefix_candidates,
    worth_checking_other,
)
from genpro_desktop.core.api.errors import (
    AuthenticationError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    UnprocessableError,
)


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


def test_loaded_entries_are_hints_until_an_answer_confirms_them() -> None:
    memory = PrefixMemory({"https://a.example/v1": "autocontentengine"})
    assert memory.get("https://a.example/v1") == "autocontentengine"
    assert memory.confirmed("https://a.example/v1") is None
    memory.remember("https://a.example/v1", "vidsheet")
    assert memory.confirmed("https://a.example/v1") == "vidsheet"
    memory.load({"https://a.example/v1": "autocontentengine"})  # a stale save changes nothing
    assert memory.get("https://a.example/v1") == "vidsheet"
    assert memory.snapshot() == {"https://a.example/v1": "vidsheet"}


def _err(cls: type[APIStatusError], status: int, code: str | None) -> APIStatusError:
    return cls("x", status_code=status, error_code=code)


def test_any_404_but_a_sheet_refusal_may_be_a_missing_route() -> None:
    assert might_be_missing_route(_err(NotFoundError, 404, None))
    assert might_be_missing_route(_err(NotFoundError, 404, "not_found"))
    assert not might_be_missing_route(_err(NotFoundError, 404, "spreadsheet_not_found"))
    assert not might_be_missing_route(_err(NotFoundError, 404, "project_not_found"))
    assert not might_be_missing_route(_err(APIStatusError, 405, None))
    assert might_be_missing_route(_err(APIStatusError, 405, None), allow_405=True)
    assert not might_be_missing_route(_err(UnprocessableError, 422, "validation_error"))
    assert not might_be_missing_route(ValueError("x"))


def test_what_confirms_a_prefix() -> None:
    assert confirms_prefix(None)  # a 2xx
    assert confirms_prefix(_err(NotFoundError, 404, "spreadsheet_not_found"))
    assert confirms_prefix(_err(NotFoundError, 404, "project_not_found"))
    assert confirms_prefix(_err(UnprocessableError, 422, "usable_gen_credit_required"))
    assert confirms_prefix(_err(APIStatusError, 400, None))
    assert confirms_prefix(_err(APIStatusError, 405, None))
    assert not confirms_prefix(_err(APIStatusError, 405, None), allow_405=True)
    assert not confirms_prefix(_err(NotFoundError, 404, None))
    assert not confirms_prefix(_err(NotFoundError, 404, "not_found"))
    # Something in front of GEN's router may answer these for any path.
    assert not confirms_prefix(_err(AuthenticationError, 401, "unauthorized"))
    assert not confirms_prefix(_err(PermissionDeniedError, 403, None))
    assert not confirms_prefix(_err(RateLimitedError, 429, None))
    assert not confirms_prefix(_err(ServerError, 502, None))
    assert not confirms_prefix(_err(APIStatusError, 302, None))
    assert not confirms_prefix(ValueError("x"))


def test_a_confirmed_prefix_is_only_rechecked_on_a_404_in_the_routers_shape() -> None:
    coded = _err(NotFoundError, 404, "not_found")
    bare = _err(NotFoundError, 404, None)
    assert worth_checking_other(coded, confirmed=False)
    assert worth_checking_other(bare, confirmed=False)
    assert not worth_checking_other(coded, confirmed=True)
    assert worth_checking_other(bare, confirmed=True)
    assert not worth_checking_other(bare, confirmed=True, allow_405=True)  # the list route
    assert worth_checking_other(bare, confirmed=False, allow_405=True)
    refusal = _err(NotFoundError, 404, "spreadsheet_not_found")
    assert not worth_checking_other(refusal, confirmed=False)


def test_of_two_404s_the_one_with_an_error_code_is_raised() -> None:
    bare = _err(NotFoundError, 404, None)
    coded = _err(NotFoundError, 404, "not_found")
    other = _err(NotFoundError, 404, "not_found")
    assert most_telling(bare, coded) is coded
    assert most_telling(coded, bare) is coded
    assert most_telling(coded, other) is coded
    assert most_telling(bare, _err(NotFoundError, 404, None)) is bare
