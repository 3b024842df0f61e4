"""Settings: the dialog validates and saves preferences; window layout persists; no secrets."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from guikit import FakePrompts, OpenedUrls, SimDrivenClock, until
from jobkit import make_job
from PySide6.QtCore import QByteArray
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from genpro_desktop.core.api import DEFAULT_BASE_URL
from genpro_desktop.core.credentials import MemoryCredentialStore
from genpro_desktop.core.jobs import JobState
from genpro_desktop.core.paths import app_paths
from genpro_desktop.core.session_config import Resolved, resolve_base_url
from genpro_desktop.gui.app import DesktopApp, LaunchOptions
from genpro_desktop.gui.dialogs.settings_dialog import SettingsDialog
from genpro_desktop.gui.preferences import Preferences, PreferenceStore, check_base_url
from genpro_desktop.simulator import Simulator

MakeApp = Callable[..., Any]


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.gen.pro/v1", True),
        ("http://127.0.0.1:8765/v1", True),
        ("http://localhost:8765/v1", True),
        ("http://api.gen.pro/v1", False),
        ("ftp://api.gen.pro/v1", False),
        ("https://user:pw@api.gen.pro/v1", False),
        ("", False),
    ],
)
def test_base_url_must_be_https_or_loopback(url: str, ok: bool) -> None:
    assert (check_base_url(url) is None) is ok


def test_the_dialog_refuses_an_unsafe_base_url(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = SettingsDialog(Preferences(download_dir=tmp_path))
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()
    dialog.base_url_edit.setText("http://api.gen.pro/v1")
    assert not ok.isEnabled()
    assert dialog.base_url_problem.text()
    dialog.base_url_edit.setText("http://127.0.0.1:9000/v1")
    assert ok.isEnabled()


def test_a_hand_edited_settings_file_cannot_force_an_unsafe_url(
    isolated_data_dir: Path, qtbot: QtBot
) -> None:
    paths = app_paths().ensure()
    store = PreferenceStore(paths)
    store._settings.setValue("api/base_url", "http://evil.example/v1")
    store._settings.setValue("appearance/theme", "neon")
    prefs = store.load()
    assert prefs.base_url == DEFAULT_BASE_URL
    assert prefs.theme == "system"
    with pytest.raises(ValueError, match="refusing"):
        store._set("api/api_key", "x")


async def test_settings_are_edited_saved_and_applied(
    make_app: MakeApp, signed_in: object, isolated_data_dir: Path, tmp_path: Path
) -> None:
    app: DesktopApp = await make_app()
    assert app.window is not None
    assert app.flow is not None
    assert app.flow.session is not None
    window = app.window
    window.settings_action.trigger()
    await until(
        lambda: (dialog := window.findChild(SettingsDialog)) is not None and dialog.isVisible(),
        what="the settings dialog",
    )
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None
    downloads = tmp_path / "videos"
    dialog.download_dir_edit.setText(str(downloads))
    dialog.auto_download_box.setChecked(True)
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("dark"))
    dialog.prefix_combo.setCurrentIndex(dialog.prefix_combo.findData("vidsheet"))
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    await app.tasks.wait_idle()

    assert app.preferences is not None
    assert app.preferences.download_dir == downloads
    tracker = app.flow.session.services.tracker
    assert tracker.download_dir == downloads
    assert tracker.auto_download
    palette = QApplication.palette()
    assert palette.color(QPalette.ColorRole.Window).lightness() < 80
    saved = PreferenceStore(app_paths().ensure()).load()
    assert saved == app.preferences
    assert saved.path_prefix == "vidsheet"
    app.apply_preferences(Preferences(download_dir=downloads))  # back to the system theme


async def test_window_geometry_and_splitter_survive_a_restart(
    make_app: MakeApp, signed_in: object
) -> None:
    first: DesktopApp = await make_app()
    assert first.window is not None
    first.window.resize(first.window.minimumSizeHint().width(), 540)
    first.window.browser.splitter.setSizes([333, 700])
    sizes = first.window.browser.splitter.sizes()
    await first.aclose()
    second: DesktopApp = await make_app()
    assert second.window is not None
    assert second.window.size().height() == 540
    assert second.window.browser.splitter.sizes()[0] == sizes[0]
    assert isinstance(second.prefs_store and second.prefs_store.layout("geometry"), QByteArray)


async def test_the_demo_does_not_become_the_remembered_account(
    make_app: MakeApp, isolated_data_dir: Path
) -> None:
    real = PreferenceStore(app_paths().ensure())
    real.remember_agent("ws-of-the-user", "agent-of-the-user")
    real.sync()
    app: DesktopApp = await make_app(options=LaunchOptions(demo=True))
    assert app.window is not None
    await until(
        lambda: app.window is not None and app.window.browser.engine_list_model.rowCount() > 0,
        what="the demo's engines",
    )
    await app.aclose()
    assert PreferenceStore(app_paths().ensure()).last_agent() == (
        "ws-of-the-user",
        "agent-of-the-user",
    )
    settings = (isolated_data_dir / "config" / "desktop.ini").read_text(encoding="utf-8")
    assert "4711" not in settings


def test_a_failed_smoke_run_says_why(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GEN_")},
        "QT_QPA_PLATFORM": "offscreen",
        "GENPRO_DATA_DIR": str(tmp_path / "data"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",  # no saved key to use
    }
    result = subprocess.run(
        [sys.executable, "-m", "genpro_desktop", "--smoke"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1
    assert "0 engines listed" in result.stdout
    assert "smoke: FAILED, could not sign in" in result.stderr
    assert "Traceback" not in result.stderr


async def test_sigterm_closes_the_demo_and_removes_its_folder(
    sim: Simulator,
    isolated_data_dir: Path,
    credentials: MemoryCredentialStore,
    tracker_clock: SimDrivenClock,
    prompts: FakePrompts,
    opened_urls: OpenedUrls,
) -> None:
    app = DesktopApp(
        LaunchOptions(demo=True),
        credentials=credentials,
        clock=tracker_clock,
        prompts=prompts,
        open_url=opened_urls,
    )
    run = asyncio.ensure_future(app.run())
    await app.started.wait()
    assert app.flow is not None
    assert app.flow._demo_dir is not None  # pyright: ignore[reportPrivateUsage]
    demo_dir = Path(app.flow._demo_dir.name)  # pyright: ignore[reportPrivateUsage]
    assert await asyncio.to_thread(demo_dir.is_dir)
    signal.raise_signal(signal.SIGTERM)  # what `kill PID` or a logout sends
    assert await asyncio.wait_for(run, timeout=60) == 0
    assert not await asyncio.to_thread(demo_dir.exists)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # given back


def test_caption_templates_are_kept_per_engine_and_the_demos_only_in_memory(
    isolated_data_dir: Path,
) -> None:
    real = PreferenceStore(app_paths().ensure())
    real.save_caption_template("9101", "{TEXT 1} {hashtags}")
    demo = real.demo_view()
    demo.save_caption_template("9101", "{hashtags}")
    assert demo.caption_template("9101") == "{hashtags}"
    assert PreferenceStore(app_paths().ensure()).caption_template("9101") == "{TEXT 1} {hashtags}"
    assert real.caption_template("other") is None


def test_settings_show_the_api_address_in_use_and_an_overriding_variable(
    qtbot: QtBot, tmp_path: Path
) -> None:
    env = {"GEN_API_BASE_URL": "https://staging.example.test/v1"}

    def effective(setting: str) -> Resolved[str]:
        return resolve_base_url(env, setting=setting, strict=False)

    prefs = Preferences(download_dir=tmp_path, base_url="https://mine.example.test/v1")
    dialog = SettingsDialog(prefs, effective_url=effective)
    qtbot.addWidget(dialog)
    dialog.show()
    in_use = dialog.url_in_use_label.text()
    assert "https://staging.example.test/v1" in in_use
    assert "environment variable GEN_API_BASE_URL" in in_use
    assert dialog.url_override_label.isVisible()
    assert "unset GEN_API_BASE_URL" in dialog.url_override_label.text()

    env.clear()  # without the variable the setting is used, and nothing overrides it
    dialog.base_url_edit.setText("https://other.example.test/v1")
    assert "https://other.example.test/v1" in dialog.url_in_use_label.text()
    assert "(from this setting)" in dialog.url_in_use_label.text()
    assert not dialog.url_override_label.isVisible()


async def test_the_demos_settings_say_the_simulator_is_in_use(make_app: MakeApp) -> None:
    app: DesktopApp = await make_app(options=LaunchOptions(demo=True))
    assert app.window is not None
    assert app.flow is not None
    assert app.flow.demo_target is not None
    assert app.flow.session is not None
    await app.flow.session.tasks.wait_idle()  # the account and engines have loaded
    app.window.settings_action.trigger()
    await until(
        lambda: (
            (dialog := app.window and app.window.findChild(SettingsDialog)) is not None
            and dialog.isVisible()
        ),
        what="the settings dialog",
    )
    dialog = app.window.findChild(SettingsDialog)
    assert dialog is not None
    assert app.flow.demo_target.base_url in dialog.url_in_use_label.text()
    assert "demo" in dialog.url_in_use_label.text()
    dialog.reject()
    await app.tasks.wait_idle()


async def test_engine_grid_row_and_selected_job_are_restored_at_the_next_start(
    make_app: MakeApp, signed_in: object
) -> None:
    first: DesktopApp = await make_app()
    assert first.window is not None
    assert first.flow is not None
    session = first.flow.session
    assert session is not None
    await session.tasks.wait_idle()
    job = make_job(JobState.DOWNLOADED, engine_id="9103")
    await session.services.store.save_job(job)
    await session.jobs.load_history()
    browser = first.window.browser
    browser.select_engine("9103")
    await session.tasks.wait_idle()
    browser.select_rows([2])
    first.window.jobs_panel.select_job(job.id)
    await first.aclose()

    second: DesktopApp = await make_app()
    assert second.window is not None
    assert second.flow is not None
    assert second.flow.session is not None
    await second.flow.session.tasks.wait_idle()
    assert second.window.browser.current_engine_id() == "9103"
    assert second.window.browser.engine_table_model.grid.engine_id == "9103"
    assert second.window.browser.selected_rows() == [2]
    current = second.window.jobs_panel.current_job()
    assert current is not None
    assert current.id == job.id
