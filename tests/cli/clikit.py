"""CLI test kit: run `main([...])` in-process against the simulator, with time driven by hand."""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from genpro_desktop.cli.context import Runtime
from genpro_desktop.cli.main import main
from genpro_desktop.core.credentials import CredentialStore, MemoryCredentialStore
from genpro_desktop.simulator import ManualClock, Simulator


class SimDrivenClock:
    """A core.clock.Clock whose sleep moves the simulator's clock: waits finish at once."""

    def __init__(self, sim_clock: ManualClock) -> None:
        self.sim_clock = sim_clock
        self._now = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        """Seconds slept so far."""
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Advance both clocks by `seconds` without waiting."""
        seconds = max(0.0, float(seconds))
        self.sleeps.append(seconds)
        self._now += seconds
        self.sim_clock.advance(seconds)
        await asyncio.sleep(0)

    def wall(self) -> datetime:
        """The simulator's wall time, so 'the future' means the same to both sides."""
        return self.sim_clock.wall()


class InterruptingClock(SimDrivenClock):
    """Presses Ctrl-C (raises KeyboardInterrupt) on the `after`-th sleep."""

    def __init__(self, sim_clock: ManualClock, after: int = 1) -> None:
        super().__init__(sim_clock)
        self.after = after

    async def sleep(self, seconds: float) -> None:
        """Sleep, then interrupt when the count is reached."""
        await super().sleep(seconds)
        if len(self.sleeps) >= self.after:
            raise KeyboardInterrupt


@dataclass
class CliResult:
    """What one `genpro` invocation returned and printed."""

    code: int
    out: str
    err: str

    def json_lines(self) -> list[dict[str, Any]]:
        """stdout parsed as JSON lines (every line must be one object)."""
        lines = [line for line in self.out.splitlines() if line.strip()]
        parsed = [json.loads(line) for line in lines]
        assert all(isinstance(obj, dict) for obj in parsed)
        return parsed

    def only_json(self) -> dict[str, Any]:
        """The single JSON object on stdout."""
        lines = self.json_lines()
        assert len(lines) == 1, self.out
        return lines[0]


class Cli:
    """Runs `genpro` in-process with an injected runtime; remembers the last clock."""

    def __init__(self, sim: Simulator, sim_clock: ManualClock, capsys: Any) -> None:
        self.sim = sim
        self.sim_clock = sim_clock
        self.capsys = capsys
        self.store: CredentialStore = MemoryCredentialStore()
        self.clock: SimDrivenClock = SimDrivenClock(sim_clock)

    def __call__(
        self,
        *args: str,
        base_url: str | None = "sim",
        clock: SimDrivenClock | None = None,
        stdin: io.StringIO | None = None,
        **runtime: Any,
    ) -> CliResult:
        """`genpro --base-url SIM args...`; pass base_url=None to leave it out."""
        self.clock = clock or SimDrivenClock(self.sim_clock)
        prefix = ["--base-url", self.sim.base_url] if base_url == "sim" else []
        if base_url not in ("sim", None):
            prefix = ["--base-url", base_url]
        rt = Runtime(
            clock=self.clock,
            credential_store=self.store,
            stdin=stdin or io.StringIO(""),
            **runtime,
        )
        code = main([*prefix, *args], runtime=rt)
        captured = self.capsys.readouterr()
        return CliResult(code, captured.out, captured.err)
