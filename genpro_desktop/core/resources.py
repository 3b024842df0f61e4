"""Find bundled files (sample video, icons) in an installed wheel or a source checkout.

The wheel maps the repository's top-level ``resources/`` folder to ``genpro_desktop/resources``
(``pyproject.toml`` force-include); a source checkout has it next to the package.
"""

from __future__ import annotations

from importlib import resources as importlib_resources
from pathlib import Path, PurePosixPath

_PACKAGE = "genpro_desktop"
# genpro_desktop/core/resources.py -> the repository root is three levels up.
_CHECKOUT_RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def resource_path(relative: str) -> Path:
    """Return the path of a bundled resource such as ``"sample/render.mp4"``."""
    parts = PurePosixPath(relative.replace("\\", "/")).parts
    if not parts or parts[0] == "/" or ".." in parts:
        raise ValueError(f"resource names are relative paths inside resources/, got {relative!r}")

    candidates: list[Path] = []
    packaged = importlib_resources.files(_PACKAGE).joinpath("resources", *parts)
    # Only a real file system path is useful to callers (Qt, ffprobe, open()); zip imports are
    # not a supported way to install the app.
    if isinstance(packaged, Path):
        candidates.append(packaged)
    candidates.append(_CHECKOUT_RESOURCES.joinpath(*parts))

    for candidate in candidates:
        if candidate.exists():
            return candidate
    searched = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"bundled resource {relative!r} is missing (looked in: {searched}); "
        "reinstall genpro-desktop or run it from a complete source checkout"
    )
