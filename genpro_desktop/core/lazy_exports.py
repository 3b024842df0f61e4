"""Lazy package exports (PEP 562): a public name imports its submodule on first use.

The core packages re-export their public names, but importing all submodules eagerly would pull
pydantic and httpx into everything that needs one enum (the desktop window's first paint among
them). A package lists where each name lives and hands this module's hooks to the interpreter::

    __getattr__, __dir__ = lazy_exports(__name__, _SUBMODULES, __all__, globals())

inside ``if not TYPE_CHECKING:``, with the same names imported under ``if TYPE_CHECKING:`` so
type checkers see them.

Still measured to matter (issue 15, 2026-12-06, `bench/startup.py --runs 5 --jobs 1000`, two
alternating rounds on a loaded 2-core machine): with these hooks (and core.api's own) the app's
first paint took 672 / 1849 ms, 2.21x / 2.32x a bare window; with every submodule imported
eagerly instead, 4890 / 3299 ms, 7.11x / 6.35x, because the first paint then waits for httpx,
pydantic, aiohttp, the client and the tracker (547 modules loaded at the first paint, not 266).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str,
    submodules: Mapping[str, Sequence[str]],
    public: Sequence[str],
    namespace: MutableMapping[str, Any],
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` for `package`: `submodules` maps a submodule
    name to the public names it defines; a loaded name is kept in `namespace` (the package's
    globals) so the hook runs once per name."""
    home = {name: module for module, names in submodules.items() for name in names}

    def __getattr__(name: str) -> object:
        module = home.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *public})

    return __getattr__, __dir__
