"""login / logout / whoami / agents / credits, and how the key and the agent are found."""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
from pathlib import Path

import pytest
from clikit import Cli

from genpro_desktop.core.credentials import KeyringCredentialStore, MemoryCredentialStore
from genpro_desktop.simulator import DEMO_API_KEY, Simulator


class TtyInput(io.StringIO):
    """A stdin that claims to be a terminal, so login prompts (with the injected prompt)."""

    def isatty(self) -> bool:
        return True


def _settings(data_dir: Path) -> dict:
    """The settings table of the local store (read-only), as {key: JSON value}."""
    db = data_dir / "data" / "genpro.sqlite3"
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        rows = conn.execute("SELECT key, value FROM settings").fetchall()
    return {key: json.loads(value) for key, value in rows}


def _saved_engines(data_dir: Path) -> list[tuple[str, str]]:
    db = data_dir / "data" / "genpro.sqlite3"
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        rows = conn.execute("SELECT agent_id, engine_id FROM saved_engines ORDER BY rowid")
        return [(str(agent), str(engine)) for agent, engine in rows.fetchall()]


@pytest.fixture
def signed_out(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """No GEN_API_KEY and no GEN_AGENT_ID: only the (memory) keyring and settings count."""
    monkeypatch.delenv("GEN_API_KEY")
    monkeypatch.delenv("GEN_AGENT_ID")
    return cli


def test_login_from_stdin_saves_the_key_and_the_only_agent(
    signed_out: Cli, isolated_data_dir: Path
):
    result = signed_out("login", stdin=io.StringIO(DEMO_API_KEY + "\n"))
    assert result.code == 0, result.err
    assert "Signed in as" in result.out
    stored = signed_out.store.get()
    assert stored is not None
    assert stored.reveal() == DEMO_API_KEY
    assert _settings(isolated_data_dir)["default_agent_id"] == "4711"
    # The saved key and default agent are now used without any environment.
    whoami = signed_out("whoami", "--json")
    assert whoami.code == 0
    obj = whoami.only_json()
    assert obj["key_source"] == "session"  # MemoryCredentialStore stands in for the keyring
    assert obj["agent_id"] == "4711"


def test_login_with_a_prompt_on_a_terminal(signed_out: Cli):
    prompts: list[str] = []

    def prompt(text: str) -> str:
        prompts.append(text)
        return DEMO_API_KEY

    result = signed_out("login", "--json", stdin=TtyInput(), prompt_secret=prompt)
    assert result.code == 0, result.err
    assert prompts
    assert "hidden" in prompts[0]
    obj = result.only_json()
    assert obj["key_source"] == "keyring"
    assert obj["default_agent_id"] == "4711"


def test_login_with_a_wrong_key_exits_3_and_saves_nothing(signed_out: Cli):
    result = signed_out("login", "--json", stdin=io.StringIO("gen_pat_wrong_key_123\n"))
    assert result.code == 3
    assert result.only_json()["http_status"] == 401
    assert signed_out.store.get() is None


def test_login_with_no_input_is_a_usage_error(signed_out: Cli):
    assert signed_out("login", stdin=io.StringIO("")).code == 2


def test_login_is_refused_in_demo_mode(signed_out: Cli):
    assert signed_out("--demo", "login", base_url=None).code == 2


def test_login_when_the_keyring_is_unavailable_exits_3(signed_out: Cli):
    from keyring.backends.fail import Keyring as FailKeyring

    signed_out.store = KeyringCredentialStore(backend=FailKeyring())
    result = signed_out("login", stdin=io.StringIO(DEMO_API_KEY + "\n"))
    assert result.code == 3
    assert "GEN_API_KEY" in result.err


def test_logout_removes_the_key(signed_out: Cli):
    signed_out.store = MemoryCredentialStore(DEMO_API_KEY)
    result = signed_out("logout", "--json")
    assert result.code == 0
    assert result.only_json() == {"signed_out": True, "key_was_saved": True}
    assert signed_out.store.get() is None
    again = signed_out("logout")
    assert "No key was saved" in again.out
    assert signed_out("whoami").code == 3


def test_no_key_exits_3_with_how_to_add_one(signed_out: Cli):
    result = signed_out("whoami", "--json")
    assert result.code == 3
    obj = result.only_json()
    assert obj["error_code"] == "no_api_key"
    assert obj["exit_code"] == 3
    assert "genpro login" in result.err


def test_wrong_key_exits_3(cli: Cli, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GEN_API_KEY", "gen_pat_not_the_right_one")
    result = cli("whoami", "--json")
    assert result.code == 3
    assert result.only_json()["http_status"] == 401


def test_whoami(cli: Cli, sim: Simulator):
    result = cli("whoami")
    assert result.code == 0
    assert "Demo" in result.out
    assert "GEN_API_KEY environment variable" in result.out
    obj = cli("whoami", "--json").only_json()
    assert obj["key_source"] == "env"
    assert obj["base_url"] == sim.base_url
    assert obj["agent_id"] == "4711"


def test_agents_lists_one_object_per_agent(cli: Cli):
    result = cli("agents", "--json")
    assert result.code == 0
    agents = result.json_lines()
    assert [a["id"] for a in agents] == ["4711"]
    assert set(agents[0]) == {"id", "name", "workspace_id", "default", "selected"}
    human = cli("agents")
    assert "Demo Creator" in human.out


def test_agents_set_default_is_used_when_nothing_else_says(
    signed_out: Cli, monkeypatch: pytest.MonkeyPatch, isolated_data_dir: Path
):
    monkeypatch.setenv("GEN_API_KEY", DEMO_API_KEY)
    assert signed_out("credits").code == 2  # no agent anywhere yet
    result = signed_out("agents", "--set-default", "4711")
    assert result.code == 0, result.err
    settings = _settings(isolated_data_dir)
    assert settings["default_agent_id"] == "4711"
    assert DEMO_API_KEY not in json.dumps(settings)  # never the key
    db = isolated_data_dir / "data" / "genpro.sqlite3"
    assert DEMO_API_KEY.encode() not in db.read_bytes()
    assert signed_out("credits").code == 0
    cleared = signed_out("agents", "--clear-default")
    assert cleared.code == 0
    assert signed_out("credits").code == 2


def test_agents_set_default_unknown_agent_exits_4(cli: Cli):
    result = cli("agents", "--set-default", "999999", "--json")
    assert result.code == 4


def test_agent_option_beats_env(cli: Cli):
    result = cli("credits", "--agent", "999999", "--json")
    assert result.code == 4


def test_credits(cli: Cli):
    result = cli("credits", "--json")
    assert result.code == 0
    assert result.only_json() == {"agent_id": "4711", "generic": "500", "aura": "120"}
    human = cli("credits")
    assert "Generic credits" in human.out
    assert "500" in human.out


def test_credits_after_a_render_show_the_reconciled_charge(cli: Cli):
    assert cli("render", "9101", "41017", "--wait").code == 0
    assert cli("credits", "--json").only_json()["generic"] == "452.5"


def test_a_corrupt_settings_file_warns_and_is_kept_aside(
    signed_out: Cli, monkeypatch: pytest.MonkeyPatch, isolated_data_dir: Path
):
    monkeypatch.setenv("GEN_API_KEY", DEMO_API_KEY)
    config = isolated_data_dir / "config"
    config.mkdir(parents=True)
    (config / "cli-settings.json").write_text("{not json", "utf-8")
    result = signed_out("agents", "--set-default", "4711")
    assert result.code == 0
    assert "Warning: ignoring unreadable settings file" in result.err
    assert (config / "cli-settings.json.corrupt").read_text("utf-8") == "{not json"
    assert _settings(isolated_data_dir)["default_agent_id"] == "4711"
    again = signed_out("agents", "--json")
    assert "Warning" not in again.err


def test_an_old_settings_file_is_imported_once(
    signed_out: Cli, monkeypatch: pytest.MonkeyPatch, isolated_data_dir: Path
):
    """Issue 2 kept settings in cli-settings.json; they move into the store, once."""
    monkeypatch.setenv("GEN_API_KEY", DEMO_API_KEY)
    config = isolated_data_dir / "config"
    config.mkdir(parents=True)
    legacy = {"version": 1, "default_agent_id": "4711", "engines": {"4711": ["9103", 9102]}}
    (config / "cli-settings.json").write_text(json.dumps(legacy), "utf-8")
    listed = signed_out("engines", "--json")
    assert listed.code == 0, listed.err
    assert [(e["id"], e["source"]) for e in listed.json_lines()] == [
        ("9101", "server"),
        ("9102", "server"),
        ("9103", "server"),
    ]
    assert _settings(isolated_data_dir)["default_agent_id"] == "4711"
    assert _saved_engines(isolated_data_dir) == [("4711", "9103"), ("4711", "9102")]
    assert not (config / "cli-settings.json").exists()
    assert (config / "cli-settings.json.migrated").exists()
    # Changes made afterwards are not undone by the old file coming back.
    assert signed_out("agents", "--clear-default").code == 0
    (config / "cli-settings.json").write_text(json.dumps(legacy), "utf-8")
    assert signed_out("credits").code == 2  # no default agent any more
    assert "default_agent_id" not in _settings(isolated_data_dir)
