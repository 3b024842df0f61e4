"""`genpro-desktop --demo --self-test` runs render -> download -> preview -> publish headlessly."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from genpro_desktop.gui.app import DesktopApp, LaunchOptions, parse_args
from genpro_desktop.gui.player.player import PreviewPlayer
from genpro_desktop.gui.self_test import SelfTestError, require_native_player, run_self_test


def test_the_self_test_passes_within_a_minute() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "genpro_desktop", "--demo", "--self-test"],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-2000:]
    assert "self-test: player     native" in done.stdout  # Qt built the preview's media objects
    for step in ("rendered", "downloaded", "previewed", "published"):
        assert f"self-test: {step}" in done.stdout
    assert "post id" in done.stdout
    assert "self-test OK" in done.stdout
    assert elapsed < 60


def test_the_self_test_refuses_a_real_account(capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_args(["--demo", "--self-test"]).self_test
    assert run_self_test(LaunchOptions(demo=False, self_test=True), DesktopApp) == 1
    assert "add --demo" in capsys.readouterr().err


def test_the_self_test_fails_on_a_python_built_preview_player(qapp: object) -> None:
    player = PreviewPlayer()
    try:
        assert player.native  # QtQml and the QtMultimedia QML module are installed here
        require_native_player(player)  # passes
        player.native = False  # what a bundle without QtQml or qml/QtMultimedia would build
        with pytest.raises(SelfTestError, match="built from Python"):
            require_native_player(player)
    finally:
        player.deleteLater()
