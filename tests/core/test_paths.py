"""App folders (platformdirs or GENPRO_DATA_DIR) and bundled resources."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import platformdirs
import pytest

from genpro_desktop.core.paths import APP_NAME, AppPaths, app_paths
from genpro_desktop.core.resources import resource_path

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_dir_env_puts_everything_under_one_folder(isolated_data_dir: Path) -> None:
    paths = app_paths()
    root = isolated_data_dir.resolve()
    assert paths == AppPaths(
        data_dir=root / "data",
        cache_dir=root / "cache",
        log_dir=root / "logs",
        downloads_dir=root / "downloads",
        config_dir=root / "config",
    )
    assert not root.exists(), "app_paths() must not create anything"


def test_defaults_come_from_platformdirs() -> None:
    paths = app_paths({})
    assert paths.data_dir == Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    assert paths.cache_dir == Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    assert paths.log_dir == Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    assert paths.config_dir == Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    assert paths.downloads_dir == Path(platformdirs.user_videos_dir()) / "GEN"
    assert all(APP_NAME in str(p) for p in paths.private_dirs())


@pytest.mark.parametrize("value", ["", "   "])
def test_blank_data_dir_env_is_ignored(value: str) -> None:
    assert app_paths({"GENPRO_DATA_DIR": value}) == app_paths({})


def test_data_dir_env_expands_user_and_resolves_relative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert app_paths({"GENPRO_DATA_DIR": "rel"}).data_dir == (tmp_path / "rel").resolve() / "data"
    home = Path("~").expanduser()
    assert app_paths({"GENPRO_DATA_DIR": "~/x"}).cache_dir == (home / "x").resolve() / "cache"


def test_ensure_creates_every_folder(isolated_data_dir: Path) -> None:
    paths = app_paths().ensure()
    for folder in (*paths.private_dirs(), paths.downloads_dir):
        assert folder.is_dir()
    assert paths.ensure() == paths  # idempotent


@posix_only
def test_ensure_makes_private_folders_user_only(isolated_data_dir: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        paths = app_paths()
        paths.data_dir.mkdir(parents=True)
        paths.data_dir.chmod(0o755)  # an existing folder with loose permissions gets fixed
        paths.ensure()
    finally:
        os.umask(old_umask)
    for folder in paths.private_dirs():
        assert _mode(folder) == 0o700, folder
    assert _mode(paths.downloads_dir) == 0o700


@posix_only
def test_ensure_leaves_an_existing_downloads_folder_alone(isolated_data_dir: Path) -> None:
    paths = app_paths()
    paths.downloads_dir.mkdir(parents=True)
    paths.downloads_dir.chmod(0o755)
    paths.ensure()
    assert _mode(paths.downloads_dir) == 0o755


def test_resource_path_finds_the_sample_video() -> None:
    path = resource_path("sample/render.mp4")
    assert path.is_file()
    assert path.read_bytes()[4:8] == b"ftyp"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == hashlib.sha256(resource_path("sample\\render.mp4").read_bytes()).hexdigest()


def test_resource_path_missing_file_names_it() -> None:
    with pytest.raises(FileNotFoundError, match=r"'sample/nope\.mp4'.*reinstall"):
        resource_path("sample/nope.mp4")


@pytest.mark.parametrize("bad", ["", "../pyproject.toml", "sample/../../x", "/etc/passwd"])
def test_resource_path_refuses_escapes(bad: str) -> None:
    with pytest.raises(ValueError, match="relative paths inside resources"):
        resource_path(bad)
