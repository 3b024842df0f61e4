"""httpcore's per-request `import sniffio` must not search sys.path again and again."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from importlib.machinery import ModuleSpec

import pytest

from genpro_desktop.core.api import _base_client
from genpro_desktop.core.api._base_client import remember_missing_sniffio

_ABSENT = object()


@pytest.fixture
def sniffio_entry() -> Iterator[object]:
    """Restore whatever sys.modules said about sniffio before the test."""
    saved = sys.modules.get("sniffio", _ABSENT)
    sys.modules.pop("sniffio", None)
    yield saved
    sys.modules.pop("sniffio", None)
    if saved is not _ABSENT:
        sys.modules["sniffio"] = saved  # type: ignore[assignment]


def test_a_missing_sniffio_is_remembered_so_the_import_fails_at_once(
    sniffio_entry: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_base_client.importlib.util, "find_spec", lambda _name: None)
    remember_missing_sniffio()
    assert "sniffio" in sys.modules
    assert sys.modules["sniffio"] is None
    with pytest.raises(ImportError):
        importlib.import_module("sniffio")


def test_an_installed_sniffio_is_left_alone(
    sniffio_entry: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        _base_client.importlib.util, "find_spec", lambda name: ModuleSpec(name, None)
    )
    remember_missing_sniffio()
    assert "sniffio" not in sys.modules


def test_importing_the_client_left_sniffio_importable_or_recorded_as_missing() -> None:
    installed = sys.modules.get("sniffio") is not None or (
        "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is not None
    )
    assert installed or sys.modules.get("sniffio", _ABSENT) is None
