"""The lazy core packages (PEP 562): every public name resolves, and importing one name loads
only its own module (the desktop app relies on that to paint its window before httpx/pydantic).
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

LAZY_PACKAGES = (
    "genpro_desktop.core.api",
    "genpro_desktop.core.downloads",
    "genpro_desktop.core.jobs",
)


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_every_public_name_resolves_from_the_module_the_table_names(package: str) -> None:
    module = importlib.import_module(package)
    table: dict[str, tuple[str, ...]] = module._SUBMODULES
    listed = [name for names in table.values() for name in names]
    assert sorted(listed) == sorted(module.__all__)
    assert len(listed) == len(set(listed))
    for submodule, names in table.items():
        home = importlib.import_module(f"{package}.{submodule}")
        for name in names:
            assert getattr(module, name) is getattr(home, name)
    assert set(module.__all__) <= set(dir(module))
    with pytest.raises(AttributeError, match="no attribute 'NoSuchName'"):
        _ = module.NoSuchName


def test_a_light_name_does_not_load_the_client_or_the_tracker() -> None:
    code = (
        "import json, sys\n"
        "from genpro_desktop.core.api import DEFAULT_BASE_URL, PathPrefix\n"
        "from genpro_desktop.core.downloads import DownloadProgress, format_bytes\n"
        "from genpro_desktop.core.jobs import JobEvent, JobState, LocalJob\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = set(json.loads(out.stdout))
    assert "genpro_desktop.core.jobs.model" in loaded
    heavy = {
        "httpx",
        "pydantic",
        "genpro_desktop.core.api.client",
        "genpro_desktop.core.jobs.tracker",
    }
    assert loaded & heavy == set()
