"""The layering rules of docs/architecture.md, checked on the source and in a fresh interpreter."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "genpro_desktop"
QT_MODULES = ("PySide6", "qasync", "shiboken6")


def _imports(path: Path) -> set[str]:
    """Every module name a file imports, absolute, including imports inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import (house style: absolute imports only)"
            names.add(node.module)
    return names


def _files(subpackage: str) -> list[Path]:
    files = sorted((PACKAGE / subpackage).rglob("*.py"))
    assert files, f"no source files found under {subpackage}"
    return files


def _offenders(subpackage: str, forbidden: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    for path in _files(subpackage):
        for name in _imports(path):
            if name.split(".")[0] in forbidden or name.startswith(forbidden):
                found.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    return found


@pytest.mark.parametrize("subpackage", ["core", "simulator", "cli"])
def test_qt_free_packages_never_import_qt(subpackage: str) -> None:
    assert _offenders(subpackage, QT_MODULES) == []


def test_core_api_imports_nothing_else_from_the_package() -> None:
    found = [
        f"{path.name} imports {name}"
        for path in _files("core/api")
        for name in _imports(path)
        if name.startswith("genpro_desktop.") and not name.startswith("genpro_desktop.core.api")
    ]
    assert found == []


def test_core_never_imports_the_outer_layers() -> None:
    outer = ("genpro_desktop.gui", "genpro_desktop.cli", "genpro_desktop.simulator")
    assert _offenders("core", outer) == []


def test_gui_never_imports_the_http_libraries() -> None:
    """HTTP belongs to the core (core.api, core.http, core.downloads, core.thumbnails); the GUI
    asks the core."""
    assert _offenders("gui", ("httpx", "aiohttp")) == []


def test_gui_and_cli_do_not_import_each_other() -> None:
    assert _offenders("gui", ("genpro_desktop.cli",)) == []
    assert _offenders("cli", ("genpro_desktop.gui",)) == []


def test_qt_free_packages_load_without_qt_in_a_fresh_interpreter() -> None:
    """Import every module of core, simulator and cli; neither Qt nor qasync may come along."""
    modules = []
    for subpackage in ("core", "simulator", "cli"):
        for path in _files(subpackage):
            rel = path.relative_to(PACKAGE.parent).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__init__":
                parts.pop()
            if parts[-1] == "__main__":
                continue
            modules.append(".".join(parts))
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout) == []
    assert len(modules) > 20


def test_core_api_public_surface_is_sorted_and_complete() -> None:
    import genpro_desktop.core.api as api

    assert list(api.__all__) == sorted(api.__all__)
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert missing == []


def _gui_floor(name: str) -> str | None:
    """The GUI floor of a module: `gui.widgets.x` -> `widgets`, `gui.app` -> `app`."""
    parts = name.split(".")
    if parts[:2] != ["genpro_desktop", "gui"] or len(parts) < 3:
        return None
    return parts[2]


def _gui_floor_graph() -> dict[str, set[str]]:
    """Which GUI floor imports which (any import, at module level, in a function or for typing)."""
    graph: dict[str, set[str]] = {}
    for path in _files("gui"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        floor = _gui_floor(".".join(rel.parts))
        if floor is None:  # gui/__init__.py
            continue
        targets = graph.setdefault(floor, set())
        for name in _imports(path):
            target = _gui_floor(name)
            if target is not None and target != floor:
                targets.add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import loop between floors, each once, as the path that closes it."""
    found: list[list[str]] = []

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt == path[0]:
                found.append([*path, nxt])
            elif nxt not in path and nxt > path[0]:
                walk(nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, [start])
    return found


def test_the_gui_floors_import_each_other_in_one_direction_only() -> None:
    """No loops between GUI floors (issue 15): widgets <-> media and app <-> self_test were two."""
    graph = _gui_floor_graph()
    assert {"app", "self_test", "widgets", "player", "preview"} <= graph.keys()
    assert _cycles(graph) == []


def test_widgets_and_the_player_know_nothing_of_the_preview_or_the_app() -> None:
    above = ("genpro_desktop.gui.preview", "genpro_desktop.gui.player")
    assert _offenders("gui/widgets", above) == []
    assert _offenders("gui/player", ("genpro_desktop.gui.",)) == [
        "genpro_desktop/gui/player/__init__.py imports genpro_desktop.gui.player.player"
    ]
    self_test = PACKAGE / "gui" / "self_test.py"
    assert "genpro_desktop.gui.app" not in _imports(self_test)


def test_the_cycle_check_sees_a_loop() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def _foreign_private_accesses(path: Path) -> list[str]:
    """`x._name` where `x` is not `self`/`cls` (dunders aside): reaching into another object."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
            continue
        if node.attr.startswith("__") and node.attr.endswith("__"):
            continue
        if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            continue
        found.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    return found


def test_job_tracker_parts_own_their_state() -> None:
    """Issue 15: the tracker is composed of parts (book, poller, submitter, downloads...) that
    each own their state: no mixin chain, and no part reaches into another's attributes."""
    offenders: list[str] = []
    for path in _files("core/jobs"):
        offenders.extend(_foreign_private_accesses(path))
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        offenders.extend(
            f"{path.name}: class {node.name} is a mixin"
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef) and node.name.endswith("Mixin")
        )
    assert offenders == []
    tracker = PACKAGE / "core" / "jobs" / "tracker.py"
    tree = ast.parse(tracker.read_text(encoding="utf-8"))
    facade = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "JobTracker")
    assert facade.bases == [], "JobTracker is a facade over its parts, not a subclass of them"


TESTS = Path(__file__).resolve().parent


def test_test_folders_mirror_the_package_layout() -> None:
    """Issue 15 part 6: tests/core/... and tests/gui/... folders are the package's own folders,
    so a module's tests are found where the module is."""
    strays = [
        str(folder.relative_to(TESTS))
        for top in ("core", "gui")
        for folder in sorted((TESTS / top).rglob("*"))
        if folder.is_dir()
        and folder.name != "__pycache__"
        and not (PACKAGE / folder.relative_to(TESTS)).is_dir()
    ]
    assert strays == []


def test_no_test_file_is_named_by_a_number() -> None:
    """A test file says what it tests (`test_jobs_fault_matrix_lifecycle.py`, not `..._2.py`)."""
    numbered = [
        str(path.relative_to(TESTS))
        for path in sorted(TESTS.rglob("test_*.py"))
        if path.stem.rsplit("_", 1)[-1].isdigit()
    ]
    assert numbered == []
