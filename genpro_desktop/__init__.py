"""genpro-desktop: a desktop app and CLI for GEN's Auto Content Engine.

The version has one source of truth, ``pyproject.toml``. Installed copies (wheel, ``uv tool``,
``pipx``, the PyInstaller bundle, which carries the distribution metadata) read it from the
package metadata. A source tree that is not installed falls back to reading ``pyproject.toml``
next to the package, and anything else reports ``UNKNOWN_VERSION`` rather than a wrong number.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

DISTRIBUTION_NAME = "genpro-desktop"
UNKNOWN_VERSION = "0+unknown"


def _version_from_checkout() -> str | None:
    """The version in ``pyproject.toml`` of the checkout this package sits in, if any."""
    import tomllib  # only needed on this rare path

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return None
    found = project.get("version") if project.get("name") == DISTRIBUTION_NAME else None
    return found if isinstance(found, str) else None


def _find_version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # slow to import: only here

    try:
        return version(DISTRIBUTION_NAME)
    except PackageNotFoundError:
        return _version_from_checkout() or UNKNOWN_VERSION


# Looked up on first use (PEP 562 `__getattr__`), not at import: reading the package metadata
# costs the desktop app tens of milliseconds before its window is painted.
__version__: str

if not TYPE_CHECKING:  # type checkers see the declaration above

    def __getattr__(name: str) -> str:
        if name != "__version__":
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        found = globals()["__version__"] = _find_version()
        return found


__all__ = ["DISTRIBUTION_NAME", "UNKNOWN_VERSION", "__version__"]
