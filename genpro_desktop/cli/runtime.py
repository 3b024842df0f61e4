"""What one `genpro` run takes from the outside world (`Runtime`) and its global options."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from genpro_desktop.core.api import PathPrefix
from genpro_desktop.core.clock import Clock, SystemClock

if TYPE_CHECKING:
    from genpro_desktop.core.credentials import CredentialStore

# Simulated seconds per real second in --demo: a render (8 simulated seconds) is done in ~2 s and
# a publish job (10 s) in ~2.5 s, so the first poll usually already sees the result.
DEMO_SPEED = 4.0


@dataclass(frozen=True)
class GlobalOptions:
    """The options every command accepts (`genpro --help`)."""

    base_url: str | None = None
    agent: str | None = None
    json: bool = False
    demo: bool = False
    prefix: PathPrefix = "auto"


@dataclass
class Runtime:
    """Everything the CLI takes from the outside world; tests replace parts of it."""

    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    stdout: TextIO | None = None  # None: sys.stdout at call time (so capsys works)
    stderr: TextIO | None = None
    stdin: TextIO | None = None
    clock: Clock = field(default_factory=SystemClock)
    credential_store: CredentialStore | None = None  # None: the OS keyring
    prompt_secret: Callable[[str], str] = getpass.getpass
    # Asks a yes/no question on a terminal (`genpro retry`); None: input() on the terminal.
    confirm: Callable[[str], bool] | None = None
    demo_speed: float = DEMO_SPEED
    # `genpro simulate` blocks here until Ctrl-C; tests pass a coroutine that returns.
    serve_until_interrupted: Callable[[str], Awaitable[None]] | None = None

    def out(self) -> TextIO:
        """The stdout stream in use."""
        return self.stdout or sys.stdout

    def err(self) -> TextIO:
        """The stderr stream in use."""
        return self.stderr or sys.stderr

    def inp(self) -> TextIO:
        """The stdin stream in use."""
        return self.stdin or sys.stdin
