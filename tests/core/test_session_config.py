"""core.session_config: one resolution of base URL, publishing host, agent and key for the
desktop app and the CLI, each value with where it came from."""

from __future__ import annotations

import pytest

from genpro_desktop.core import session_config as sc
from genpro_desktop.core.api import DEFAULT_BASE_URL
from genpro_desktop.core.session_config import ConfigProblem, Source

BAD = "http://host\udcff/v1"  # not valid UTF-8 (a surrogate escape from a bad locale)


def test_the_default_base_url_is_the_clients() -> None:
    assert sc.DEFAULT_BASE_URL == DEFAULT_BASE_URL


def test_base_url_precedence_demo_option_environment_setting_default() -> None:
    env = {"GEN_API_BASE_URL": " https://env.example/v1 "}
    option, setting = "https://opt.example/v1", "https://set.example/v1"
    demo = sc.resolve_base_url(env, option=option, setting=setting, demo_url="http://127.0.0.1:9")
    assert demo == sc.Resolved("http://127.0.0.1:9", Source.DEMO)
    got = sc.resolve_base_url(env, option=option, setting=setting)
    assert (got.value, got.source, got.overrides) == (
        option,
        Source.OPTION,
        (Source.SETTING,),
    )
    got = sc.resolve_base_url(env, setting=setting)
    assert (got.value, got.source, got.env_var) == (
        "https://env.example/v1",
        Source.ENVIRONMENT,
        "GEN_API_BASE_URL",
    )
    assert got.overrides == (Source.SETTING,)  # Settings can warn: the variable wins
    got = sc.resolve_base_url({}, setting=setting)
    assert (got.value, got.source, got.overrides) == (setting, Source.SETTING, ())
    assert sc.resolve_base_url({}) == sc.Resolved(DEFAULT_BASE_URL, Source.DEFAULT)


def test_strict_refuses_an_empty_option_or_variable_with_the_cli_messages() -> None:
    with pytest.raises(ConfigProblem, match=r"^--base-url is empty; give the API address") as err:
        sc.resolve_base_url({"GEN_API_BASE_URL": "https://env.example"}, option=" ")
    assert err.value.field == "base_url"
    with pytest.raises(ConfigProblem, match=r"^GEN_API_BASE_URL is set but empty; .*unset"):
        sc.resolve_base_url({"GEN_API_BASE_URL": "  "})
    with pytest.raises(ConfigProblem, match=r"^GEN_API_BASE_URL is not valid UTF-8 text"):
        sc.resolve_base_url({"GEN_API_BASE_URL": BAD})


def test_lenient_skips_what_is_unusable_and_says_so() -> None:
    got = sc.resolve_base_url(
        {"GEN_API_BASE_URL": ""}, option="", setting="https://set.example/v1", strict=False
    )
    assert (got.value, got.source) == ("https://set.example/v1", Source.SETTING)
    assert [p.field for p in got.skipped] == ["base_url", "base_url"]
    assert "GEN_API_BASE_URL is set but empty" in str(got.skipped[1])


def test_a_source_below_the_one_used_is_never_read() -> None:
    # A broken variable must not stop a run that does not use it.
    env = {"GEN_API_BASE_URL": BAD, "GEN_AGENT_ID": BAD, "GEN_API_KEY": BAD}
    assert sc.resolve_base_url(env, option="https://opt.example").source is Source.OPTION
    assert sc.resolve_agent(env, option="12").value == "12"
    assert sc.resolve_key(env, demo_key="demo").source is Source.DEMO


def test_publishing_host_from_its_variable_else_the_api_base() -> None:
    api = "https://api.example/v1"
    got = sc.resolve_publish_base_url({"GEN_PUBLISH_BASE_URL": " https://mcp.example/v1 "}, api)
    assert (got.value, got.source) == ("https://mcp.example/v1", Source.ENVIRONMENT)
    assert sc.resolve_publish_base_url({}, api) == sc.Resolved(api, Source.API_BASE)
    demo = sc.resolve_publish_base_url(
        {"GEN_PUBLISH_BASE_URL": "https://mcp.example"}, api, demo=True
    )
    assert demo == sc.Resolved(api, Source.DEMO)  # the simulator serves both
    with pytest.raises(ConfigProblem, match="GEN_PUBLISH_BASE_URL is set but empty") as err:
        sc.resolve_publish_base_url({"GEN_PUBLISH_BASE_URL": ""}, api)
    assert err.value.field == "publish_base_url"


def test_agent_precedence_option_demo_environment_then_none() -> None:
    env = {"GEN_AGENT_ID": " 77 "}
    assert sc.resolve_agent(env, option="12", demo_agent="4711").source is Source.OPTION
    assert sc.resolve_agent(env, demo_agent="4711") == sc.Resolved("4711", Source.DEMO)
    assert sc.resolve_agent(env) == sc.Resolved("77", Source.ENVIRONMENT, "GEN_AGENT_ID")
    assert sc.resolve_agent({}) == sc.Resolved(None, Source.DEFAULT)


def test_a_bad_agent_variable_is_a_problem_naming_it() -> None:
    def check(text: str) -> str:
        raise ValueError(f"not a GEN id: {text!r}")

    with pytest.raises(ConfigProblem, match=r"^GEN_AGENT_ID: not a GEN id: '-x'\.$"):
        sc.resolve_agent({"GEN_AGENT_ID": "-x"}, check_id=check)
    lenient = sc.resolve_agent({"GEN_AGENT_ID": "-x"}, check_id=check, strict=False)
    assert lenient.value is None
    assert [p.field for p in lenient.skipped] == ["agent_id"]


def test_key_from_the_demo_the_environment_else_the_keyring() -> None:
    assert sc.resolve_key({"GEN_API_KEY": "k"}, demo_key="demo") == sc.Resolved("demo", Source.DEMO)
    assert sc.resolve_key({"GEN_API_KEY": " k "}).value == "k"
    assert sc.resolve_key({"GEN_API_KEY": " "}) == sc.Resolved(None, Source.KEYRING)
    with pytest.raises(ConfigProblem) as err:
        sc.resolve_key({"GEN_API_KEY": BAD})
    assert err.value.field == "api_key"


def test_resolve_session_resolves_every_field_for_a_demo() -> None:
    class Demo:
        base_url = "http://127.0.0.1:9/v1"
        api_key = "demo-key"
        agent_id = "4711"

    env = {"GEN_API_BASE_URL": "https://env.example", "GEN_AGENT_ID": "77", "GEN_API_KEY": "k"}
    target = sc.resolve_session(env, demo=Demo(), base_url_setting="https://set.example")
    assert {
        name: (getattr(target, name).value, getattr(target, name).source)
        for name in ("base_url", "publish_base_url", "agent_id", "api_key")
    } == {
        "base_url": (Demo.base_url, Source.DEMO),
        "publish_base_url": (Demo.base_url, Source.DEMO),
        "agent_id": ("4711", Source.DEMO),
        "api_key": ("demo-key", Source.DEMO),
    }
