"""The packaging files agree with the project, without building anything.

Version: pyproject.toml is the one source; ``__version__``, both ``--version`` flags and the
AppStream release (rendered the way build.sh does) follow it. The PyInstaller spec names the Qt
plugins the app needs (and they exist in the installed PySide6). The .desktop file, the metainfo
and the icons are complete and valid.
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import shutil
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

import genpro_desktop
from genpro_desktop.gui.app import parse_args

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
DESKTOP_FILE = PACKAGING / "linux" / "genpro-desktop.desktop"
METAINFO = PACKAGING / "linux" / "pro.gen.GenproDesktop.metainfo.xml"
SPEC = PACKAGING / "pyinstaller" / "genpro_desktop.spec"
ICONS = PACKAGING / "icons"
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def _pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _version() -> str:
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    return str(project["version"])


def _rendered_metainfo(tmp_path: Path) -> Path:
    """The metainfo as build.sh writes it (its two placeholders filled in)."""
    text = METAINFO.read_text(encoding="utf-8")
    rendered = text.replace("@VERSION@", _version()).replace("@DATE@", "2026-01-31")
    assert "@" not in rendered.split("-->", 1)[1], "a placeholder build.sh does not fill in"
    target = tmp_path / METAINFO.name
    target.write_text(rendered, encoding="utf-8")
    return target


def _load_make_icons() -> ModuleType:
    # packaging/ is not a Python package (and must not shadow PyPI's `packaging`).
    spec = importlib.util.spec_from_file_location("make_icons", ICONS / "make_icons.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- version ---------------------------------------------------------------------------------


def test_the_package_version_is_the_pyproject_version() -> None:
    assert genpro_desktop.__version__ == _version()
    # No second copy of the number that could drift from pyproject.toml.
    init_source = (ROOT / "genpro_desktop" / "__init__.py").read_text(encoding="utf-8")
    assert f'"{_version()}"' not in init_source


def test_both_version_flags_print_the_pyproject_version(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--version"])
    assert capsys.readouterr().out.strip() == f"genpro-desktop {_version()}"
    cli = subprocess.run(
        [sys.executable, "-m", "genpro_desktop.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert cli.stdout.strip() == f"genpro {_version()}"


def test_a_source_tree_without_metadata_reads_pyproject() -> None:
    assert genpro_desktop._version_from_checkout() == _version()


# -- desktop file and AppStream ----------------------------------------------------------------


def test_the_desktop_file_launches_the_app_with_its_icon() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP_FILE, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Name"] == "GEN Desktop"
    assert entry["Exec"] == "genpro-desktop"  # the app takes no file or URL arguments
    assert entry["TryExec"] == "genpro-desktop"
    assert entry["Icon"] == "genpro-desktop"
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")
    # Wayland and X11 match the window to this file by the name the app announces.
    app_source = (ROOT / "genpro_desktop" / "gui" / "app.py").read_text(encoding="utf-8")
    assert f'setDesktopFileName("{DESKTOP_FILE.stem}")' in app_source
    assert entry["StartupWMClass"] == DESKTOP_FILE.stem


def test_the_desktop_file_validates_where_desktop_file_validate_exists() -> None:
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate is not installed (apt-get install desktop-file-utils)")
    result = subprocess.run([tool, str(DESKTOP_FILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_metainfo_names_the_desktop_file_binaries_and_release(tmp_path: Path) -> None:
    root = ET.parse(_rendered_metainfo(tmp_path)).getroot()
    assert root.get("type") == "desktop-application"
    assert f"{root.findtext('id')}.metainfo.xml" == METAINFO.name
    assert root.findtext("launchable") == DESKTOP_FILE.name
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    scripts = {**project["scripts"], **project["gui-scripts"]}
    assert {b.text for b in root.iter("binary")} == set(scripts)
    releases = [r.get("version") for r in root.iter("release")]
    assert releases == [_version()]
    # The template never carries a version literal that could drift from pyproject.toml.
    assert '<release version="@VERSION@" date="@DATE@"/>' in METAINFO.read_text(encoding="utf-8")


def test_the_metainfo_is_valid_appstream(tmp_path: Path) -> None:
    tool = shutil.which("appstreamcli")
    if tool is None:
        pytest.skip("appstreamcli is not installed (apt-get install appstream)")
    result = subprocess.run(
        [tool, "validate", "--no-net", str(_rendered_metainfo(tmp_path))],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- PyInstaller spec ------------------------------------------------------------------------


def _spec_constant(name: str) -> object:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not defined in {SPEC.name}")


def test_the_spec_bundles_the_plugins_resources_and_metadata_the_app_needs() -> None:
    plugins = _spec_constant("REQUIRED_QT_PLUGINS")
    assert isinstance(plugins, dict)
    assert {"ffmpegmediaplugin", "windowsmediaplugin", "darwinmediaplugin"} <= set(
        plugins["multimedia"]
    )
    assert {"qxcb", "qwayland", "qoffscreen", "qwindows", "qcocoa"} <= set(plugins["platforms"])
    text = SPEC.read_text(encoding="utf-8")
    assert '(str(ROOT / "resources"), "genpro_desktop/resources")' in text
    assert "copy_metadata(APP_NAME)" in text
    excluded = _spec_constant("EXCLUDED_MODULES")
    assert isinstance(excluded, list)
    assert {"PySide6.QtWebEngineCore", "PySide6.Qt3DCore", "PySide6.QtQuick"} <= set(excluded)
    # Qt's QML engine builds the preview player (gui/player/player.py); without the QtQml
    # bindings the bundle would use the Python-built player, which can hang.
    assert "PySide6.QtQml" not in excluded
    assert "_collect_only_required_qml_modules()" in text


def _spec_functions(*names: str) -> dict[str, Any]:
    """The spec's REQUIRED_QML_MODULES and the named top-level functions, run outside PyInstaller
    (they use only pathlib)."""
    from pathlib import PurePosixPath

    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    nodes: list[ast.stmt] = [
        node
        for node in tree.body
        if (isinstance(node, ast.FunctionDef) and node.name in names)
        or (
            isinstance(node, ast.Assign)
            and any(
                isinstance(t, ast.Name) and t.id == "REQUIRED_QML_MODULES" for t in node.targets
            )
        )
    ]
    assert len(nodes) == len(names) + 1, f"{SPEC.name} lacks one of {names}"
    namespace: dict[str, Any] = {"Path": Path, "PurePosixPath": PurePosixPath}
    exec(compile(ast.Module(body=nodes, type_ignores=[]), str(SPEC), "exec"), namespace)
    return namespace


def test_the_spec_bundles_every_qml_module_the_preview_player_imports() -> None:
    from genpro_desktop.gui.player import player

    required = _spec_constant("REQUIRED_QML_MODULES")
    assert isinstance(required, list)
    imported = [
        line.split()[1]
        for line in player._NATIVE_PLAYER_QML.decode().splitlines()  # pyright: ignore[reportPrivateUsage]
        if line.startswith("import ")
    ]
    assert imported == ["QtMultimedia"]
    assert set(imported) <= set(required)


def test_the_spec_collects_the_qtmultimedia_qml_module_and_no_other() -> None:
    """The spec's filter, applied to the installed PySide6's qml/ folder the way PyInstaller's
    QtQml hook lists it ((source, bundle folder) pairs), keeps QtMultimedia's qmldir and plugin
    and nothing of the other QML modules."""
    import PySide6

    qml_root = Path(PySide6.__file__).parent / "Qt" / "qml"
    if not qml_root.is_dir():
        pytest.skip("not a Linux PySide6 wheel layout")
    spec = _spec_functions("_qml_module", "_unwanted_qml_file", "_required_qml_files")
    binaries: list[tuple[str, str]] = []
    datas: list[tuple[str, str]] = []
    for path in sorted(p for p in qml_root.rglob("*") if p.is_file()):
        folder = str(Path("PySide6/Qt/qml") / path.parent.relative_to(qml_root))
        (binaries if path.suffix == ".so" else datas).append((str(path), folder))
    kept_binaries, kept_datas = spec["_required_qml_files"](binaries, datas)
    kept = {Path(src).relative_to(qml_root).as_posix() for src, _ in kept_binaries + kept_datas}
    assert {
        "QtMultimedia/qmldir",
        "QtMultimedia/libquickmultimediaplugin.so",
    } <= kept
    assert all(name.startswith("QtMultimedia/") for name in kept), kept
    assert {folder for _, folder in kept_binaries} == {"PySide6/Qt/qml/QtMultimedia"}
    # The same rule drops other modules' files that reach the Analysis another way.
    unwanted = spec["_unwanted_qml_file"]
    assert not unwanted("PySide6/Qt/qml/QtMultimedia/qmldir")
    assert not unwanted("PySide6\\Qt\\qml\\QtMultimedia\\quickmultimediaplugin.dll")
    assert unwanted("PySide6/Qt/qml/QtQuick3D/qmldir")
    assert unwanted("PySide6/Qt/qml/builtins.qmltypes")
    assert not unwanted("PySide6/Qt/lib/libQt6Qml.so.6")
    # The plugin's library links libQt6MultimediaQuick, which the bundle must then carry.
    assert (qml_root.parent / "lib" / "libQt6MultimediaQuick.so.6").is_file()


def test_the_linux_plugins_the_spec_names_exist_in_the_installed_pyside6() -> None:
    import PySide6

    plugins = _spec_constant("REQUIRED_QT_PLUGINS")
    assert isinstance(plugins, dict)
    plugin_root = Path(PySide6.__file__).parent / "Qt" / "plugins"
    if not plugin_root.is_dir():
        pytest.skip("not a Linux PySide6 wheel layout")
    for folder, name in [
        ("platforms", "qxcb"),
        ("platforms", "qwayland"),
        ("platforms", "qoffscreen"),
        ("multimedia", "ffmpegmediaplugin"),
    ]:
        assert name in plugins[folder]
        assert (plugin_root / folder / f"lib{name}.so").is_file(), f"{folder}/{name} moved"


# -- icons -----------------------------------------------------------------------------------


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_every_png_size_exists_with_its_size() -> None:
    for size in PNG_SIZES:
        assert _png_size(ICONS / "png" / f"{size}x{size}" / "genpro-desktop.png") == (size, size)


def test_the_ico_holds_every_windows_size_up_to_256() -> None:
    data = (ICONS / "genpro-desktop.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sides = [data[6 + 16 * i] or 256 for i in range(count)]
    assert sides == [16, 24, 32, 48, 64, 128, 256]


def test_the_icns_is_a_complete_icns_file() -> None:
    data = (ICONS / "genpro-desktop.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)


def test_the_pngs_match_the_svg(qapp: QApplication) -> None:
    make_icons = _load_make_icons()
    assert make_icons.PNG_SIZES == PNG_SIZES
    assert make_icons.stale() == []


# -- install.sh ------------------------------------------------------------------------------


def _fake_unpacked_tarball(tmp_path: Path) -> Path:
    """The tarball's tree with stand-in executables (what build.sh stages)."""
    tree = tmp_path / "genpro-desktop-9.9.9"
    bundle = tree / "genpro-desktop"
    (bundle / "_internal").mkdir(parents=True)
    for exe in ("genpro-desktop", "genpro"):
        (bundle / exe).write_text(f"#!/bin/sh\necho {exe} stand-in\n")
        (bundle / exe).chmod(0o755)
    shutil.copy(PACKAGING / "linux" / "install.sh", tree / "install.sh")
    (tree / "VERSION").write_text("9.9.9\n")
    share = tree / "share"
    (share / "applications").mkdir(parents=True)
    (share / "metainfo").mkdir()
    shutil.copy(DESKTOP_FILE, share / "applications")
    shutil.copy(METAINFO, share / "metainfo")
    (share / "icons" / "hicolor" / "scalable" / "apps").mkdir(parents=True)
    shutil.copy(ICONS / "genpro-desktop.svg", share / "icons/hicolor/scalable/apps")
    for size in PNG_SIZES:
        target = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        target.mkdir(parents=True)
        shutil.copy(ICONS / "png" / f"{size}x{size}" / "genpro-desktop.png", target)
    return tree


def test_install_sh_installs_into_a_prefix_and_uninstalls_cleanly(tmp_path: Path) -> None:
    tree = _fake_unpacked_tarball(tmp_path)
    prefix = tmp_path / "prefix"
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    installed = subprocess.run(
        ["sh", str(tree / "install.sh"), "--prefix", str(prefix)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert installed.returncode == 0, installed.stderr
    assert "9.9.9 installed" in installed.stdout

    app_dir = prefix / "lib" / "genpro-desktop"
    for exe in ("genpro-desktop", "genpro"):
        assert (prefix / "bin" / exe).resolve() == (app_dir / exe).resolve()
        ran = subprocess.run([str(prefix / "bin" / exe)], capture_output=True, text=True)
        assert ran.stdout.strip() == f"{exe} stand-in"
    desktop = (prefix / "share/applications/genpro-desktop.desktop").read_text()
    assert f"Exec={app_dir}/genpro-desktop" in desktop.splitlines()
    assert (prefix / "share/metainfo" / METAINFO.name).is_file()
    assert (prefix / "share/icons/hicolor/256x256/apps/genpro-desktop.png").is_file()

    removed = subprocess.run(
        ["sh", str(tree / "install.sh"), "--prefix", str(prefix), "--uninstall"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert removed.returncode == 0, removed.stderr
    # Only the desktop's own caches (rebuilt by update-desktop-database, if installed) remain.
    caches = {"mimeinfo.cache", "icon-theme.cache"}
    assert [p for p in prefix.rglob("*") if not p.is_dir() and p.name not in caches] == []


@pytest.mark.parametrize("script", ["build.sh", "smoke.sh", "startup_times.sh"])
def test_the_bash_scripts_parse(script: str) -> None:
    result = subprocess.run(
        ["bash", "-n", str(PACKAGING / "linux" / script)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
