"""The key check shared by the GUI's sign-in and `genpro login`."""

from __future__ import annotations

import pytest

from genpro_desktop.core.api import Secret
from genpro_desktop.core.sign_in import KeyRejectedError, check_key, key_input_problem


def test_empty_or_spaced_input_is_refused_with_one_message_for_both_front_ends() -> None:
    assert key_input_problem("  ") == "No API key was entered."
    assert key_input_problem("abc def") == (
        "That does not look like an API key (it contains spaces)."
    )
    assert key_input_problem("gen_live_abc123") is None


async def test_the_gui_check_refuses_a_spaced_key_before_asking_gen() -> None:
    # An unreachable address: the check must answer from the input alone.
    with pytest.raises(KeyRejectedError, match=r"contains spaces"):
        await check_key(Secret("abc def"), base_url="http://127.0.0.1:9")
