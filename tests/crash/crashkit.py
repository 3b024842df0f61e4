"""Crash-test kit: run the real `genpro` as a subprocess, SIGKILL it at a chosen point, look at
what it left behind (its SQLite job history, read-only; `.part` files; the simulator journal).

Each test owns a simulator on a ManualClock in this process; `genpro` talks to it over a real
socket (`--base-url`), with the demo key in GEN_API_KEY and a private GENPRO_DATA_DIR. Kill points
are found from events where one exists (a request parked by a simulator hold, a line the CLI
prints once the job id is stored); only the size of a `.part` file, written by another process,
has to be polled.

Each `genpro` run is a real process that is really SIGKILLed. On Linux it is forked from a warm
interpreter that imported the CLI once (`forkserver.py`, one per test session or xdist worker),
which spares every run a Python start and the CLI's imports (~0.8 s of CPU, hundreds of runs);
elsewhere, or with GENPRO_CRASH_EXEC=1 in the environment, it is `python -m genpro_desktop.cli`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import queue
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import genpro_desktop.cli
from genpro_desktop.core.resources import resource_path
from genpro_desktop.simulator import DEMO_API_KEY, ManualClock, Simulator, faults

AGENT = "4711"
ENGINE = "9101"
CELLS = ("41005", "41011", "41017", "41023", "41029")  # final-video cells of engine 9101
PROCESS_TIMEOUT_S = 60.0
# Seconds a kill point may take to be reached; generous for a loaded CI machine.
REACH_TIMEOUT_S = 30.0
POLL_INTERVAL_S = 0.002
SAMPLE = resource_path("sample/render.mp4").read_bytes()
SAMPLE_SHA256 = hashlib.sha256(SAMPLE).hexdigest()
# Never inherited by `genpro`: each run gets exactly the settings the test gives it.
_SCRUBBED_ENV = ("GEN_API_KEY", "GEN_AGENT_ID", "GEN_API_BASE_URL", "GENPRO_DATA_DIR", "TZ")
FORK_SERVER = Path(__file__).with_name("forkserver.py")
# What `python -m genpro_desktop.cli` puts in sys.argv[0].
CLI_MAIN = str(Path(genpro_desktop.cli.__file__).with_name("__main__.py"))
_MAX_MESSAGE = 1 << 20


def forking_supported() -> bool:
    """Whether runs can be forked from a warm interpreter (Linux; not when told otherwise)."""
    wanted = os.environ.get("GENPRO_CRASH_EXEC", "") in ("", "0")
    return wanted and sys.platform == "linux" and hasattr(os, "pidfd_open")


def scrubbed_env() -> dict[str, str]:
    """This process's environment without the settings a `genpro` run must get from the test."""
    return {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}


class Process(Protocol):
    """What Running needs of a process: subprocess.Popen, or a run of the fork server."""

    stdout: IO[str] | None
    stderr: IO[str] | None

    def kill(self) -> None: ...

    def wait(self, timeout: float | None = None) -> int: ...


class Forked:
    """One `genpro` run forked by the fork server, with the part of Popen's interface used here."""

    def __init__(self, conn: socket.socket, pid: int, stdout: IO[str], stderr: IO[str]) -> None:
        self._conn = conn
        self.pid = pid
        self.stdout: IO[str] | None = stdout
        self.stderr: IO[str] | None = stderr
        self.returncode: int | None = None

    def kill(self) -> None:
        """SIGKILL it (the server's waiter sends the signal; it alone reaps the pid)."""
        if self.returncode is None:
            with contextlib.suppress(OSError):  # it already ended and was reported
                self._conn.send(b"kill")

    def wait(self, timeout: float | None = None) -> int:
        """Its exit code (-9 after a SIGKILL, like Popen); TimeoutExpired as Popen raises it."""
        if self.returncode is None:
            self._conn.settimeout(timeout)
            try:
                message = self._conn.recv(_MAX_MESSAGE)
            except TimeoutError:
                raise subprocess.TimeoutExpired(f"genpro pid {self.pid}", timeout or 0) from None
            if not message:
                raise AssertionError(f"the fork server lost genpro pid {self.pid}")
            self.returncode = int(json.loads(message)["returncode"])
            self._conn.close()
        return self.returncode


class ForkServer:
    """`forkserver.py` running: forks `genpro` runs from an interpreter that imported the CLI."""

    def __init__(self, env: dict[str, str]) -> None:
        self._folder = tempfile.mkdtemp(prefix="genpro-fork-")  # short: a socket path is <108
        self._address = os.path.join(self._folder, "socket")
        self._process = subprocess.Popen(
            [sys.executable, "-P", str(FORK_SERVER), self._address],
            stdin=subprocess.PIPE,  # closing it stops the server
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self._process.stdout is not None
        ready = self._process.stdout.readline()
        if ready.strip() != "ready":
            self.close()
            raise AssertionError(f"the genpro fork server did not start: {ready!r}")

    def start(self, argv: Sequence[str], env: dict[str, str]) -> Forked:
        """Fork `genpro ARGV` with `env`, stdin from the null device, stdout/stderr piped."""
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        stdin = os.open(os.devnull, os.O_RDONLY)
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            conn.connect(self._address)
            request = {"argv": [CLI_MAIN, *argv], "env": env, "cwd": os.getcwd()}
            socket.send_fds(conn, [json.dumps(request).encode()], [stdin, out_write, err_write])
        except BaseException:
            conn.close()
            os.close(out_read)
            os.close(err_read)
            raise
        finally:
            for fd in (stdin, out_write, err_write):
                os.close(fd)
        conn.settimeout(PROCESS_TIMEOUT_S)
        pid = int(json.loads(conn.recv(_MAX_MESSAGE))["pid"])
        stdout = open(out_read, encoding="utf-8")  # noqa: SIM115 (Running closes them)
        stderr = open(err_read, encoding="utf-8")  # noqa: SIM115
        return Forked(conn, pid, stdout, stderr)

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the server (runs still going end on their own) and remove its socket."""
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=PROCESS_TIMEOUT_S)
        finally:
            if self._process.stdout is not None:
                self._process.stdout.close()
            shutil.rmtree(self._folder, ignore_errors=True)


@dataclass
class Finished:
    """A `genpro` run that exited by itself."""

    code: int
    out: str
    err: str

    def json_lines(self) -> list[dict[str, Any]]:
        """stdout as JSON lines (the CLI's --json contract: nothing else on stdout)."""
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


class Running:
    """A `genpro` process the test can wait on (stderr lines) and SIGKILL."""

    def __init__(self, process: Process) -> None:
        self.process = process
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.err_lines: list[str] = []
        self._out: list[str] = []
        self._readers = [
            threading.Thread(target=self._read_err, daemon=True),
            threading.Thread(target=self._read_out, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_err(self) -> None:
        stream = self.process.stderr
        assert stream is not None
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def _read_out(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        self._out.append(stream.read())

    def wait_for_line(self, text: str, timeout: float = REACH_TIMEOUT_S) -> str:
        """Block until `genpro` prints a stderr line containing `text` (event-driven)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"genpro never printed {text!r}: {self.err_lines}")
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(
                    f"genpro exited ({self.process.wait()}) before printing {text!r}: "
                    f"{self.err_lines}"
                )
            self.err_lines.append(line)
            if text in line:
                return line

    def kill(self) -> int:
        """SIGKILL (TerminateProcess on Windows) and reap; returns the exit status."""
        self.process.kill()
        return self._reap()

    def finish(self, timeout: float = PROCESS_TIMEOUT_S) -> Finished:
        """Wait for a normal exit and collect the output; a hung `genpro` fails the test."""
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"genpro did not finish within {timeout:g} s: {''.join(self.err_lines)}"
            ) from None
        code = self._reap()
        return Finished(code, "".join(self._out), "".join(self.err_lines))

    def _reap(self) -> int:
        code = self.process.wait(timeout=PROCESS_TIMEOUT_S)
        for reader in self._readers:
            reader.join(timeout=PROCESS_TIMEOUT_S)
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.err_lines.append(line)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return code


@dataclass
class Genpro:
    """Runs `python -m genpro_desktop.cli` against one simulator with one data folder."""

    sim: Simulator
    data_dir: Path
    pycache: Path | None = None
    forks: ForkServer | None = None  # None: start `python -m genpro_desktop.cli` each time
    runs: int = 0
    env: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        env = scrubbed_env()
        env.update(
            GEN_API_KEY=DEMO_API_KEY,
            GENPRO_DATA_DIR=str(self.data_dir),
            NO_COLOR="1",
            PYTHONUNBUFFERED="1",
        )
        if self.pycache is not None:
            # Hundreds of short processes: compile each module once (outside the source tree)
            # instead of at every start, even where PYTHONDONTWRITEBYTECODE is set.
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(self.pycache)
        self.env = env

    @property
    def clock(self) -> ManualClock:
        """The simulator's manual clock (the test advances it)."""
        clock = self.sim.clock
        assert isinstance(clock, ManualClock)
        return clock

    def start(self, *args: str) -> Running:
        """Start `genpro --base-url SIM --agent 4711 ARGS` (stdout/stderr piped)."""
        self.runs += 1
        argv = ["--base-url", self.sim.base_url, "--agent", AGENT, *args]
        if self.forks is not None:
            return Running(self.forks.start(argv, self.env))
        process = subprocess.Popen(
            [sys.executable, "-m", "genpro_desktop.cli", *argv],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=self.env,
        )
        return Running(process)

    def run(self, *args: str, timeout: float = PROCESS_TIMEOUT_S) -> Finished:
        """Run `genpro` to completion."""
        return self.start(*args).finish(timeout)

    # -- what the killed process left behind ------------------------------------------------

    @property
    def db_path(self) -> Path:
        """The job history's SQLite file."""
        return self.data_dir / "data" / "genpro.sqlite3"

    def jobs(self) -> list[dict[str, Any]]:
        """Every stored job (its JSON document), oldest first, read with a read-only connection."""
        if not self.db_path.exists():
            return []
        uri = f"file:{self.db_path}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5.0)) as conn:
            rows = conn.execute("SELECT data FROM jobs ORDER BY created_at, rowid").fetchall()
        return [json.loads(data) for (data,) in rows]

    def newest(self, kind: str) -> dict[str, Any]:
        """The newest stored job of `kind` (render, download, publish)."""
        found = [job for job in self.jobs() if job["kind"] == kind]
        assert found, f"no {kind} job in {self.db_path}"
        return found[-1]


# How GEN's side ends for a POST held while the client is killed: applied after the client
# died, never applied (the connection reset), or applied before it (the answer lost).
HOLD_VARIANTS = ("hold_then_apply", "hold_then_drop", "apply_then_hold")


def hold_variant(index: int, name: str) -> tuple[str, faults.FaultAction]:
    """The variant for iteration `index` and the simulator fault that holds its POST."""
    variant = HOLD_VARIANTS[index % len(HOLD_VARIANTS)]
    action = faults.hold_after_apply(name) if variant == "apply_then_hold" else faults.hold(name)
    return variant, action


def wait_until(what: str, check: Callable[[], bool], timeout: float = REACH_TIMEOUT_S) -> None:
    """Poll `check` (for state another process writes to disk, where no event exists)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        threading.Event().wait(POLL_INTERVAL_S)


def file_size(path: Path) -> int:
    """Size of `path`, 0 when it does not exist (yet)."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def idempotency_keys(sim: Simulator, method: str, path_regex: str) -> list[str]:
    """The Idempotency-Key of every journaled request matching (one per POST that arrived)."""
    keys: list[str] = []
    for entry in sim.journal.find(method, path_regex):
        headers = {name.lower(): value for name, value in entry.headers.items()}
        keys.append(headers.get("idempotency-key", ""))
    return keys


def range_starts(sim: Simulator) -> list[int]:
    """Start offsets of every ranged CDN request the simulator saw."""
    starts: list[int] = []
    for entry in sim.journal.find("GET", r"^/cdn/outputs/"):
        headers = {name.lower(): value for name, value in entry.headers.items()}
        value = headers.get("range")
        if value and value.startswith("bytes="):
            starts.append(int(value[len("bytes=") :].split("-", 1)[0]))
    return starts


@contextlib.contextmanager
def simulator() -> Iterator[Simulator]:
    """A simulator on a manual clock, serving in its own thread."""
    with Simulator(clock=ManualClock()) as sim:
        yield sim


@dataclass
class LoopReport:
    """What a crash loop did, for the assertion messages and the printed summary."""

    scenario: str
    iterations: int = 0
    processes: int = 0
    posts: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list[str])

    def line(self) -> str:
        """One summary line (pytest -s shows it; -rA lists it)."""
        return (
            f"crash loop {self.scenario}: {self.iterations} iterations, {self.processes} genpro "
            f"processes, {self.posts} POSTs, {self.seconds:.1f} s"
        )


def run_workers(
    workers: int,
    iterations: int,
    body: Callable[[int, int], None],
) -> None:
    """Run `body(worker, iteration)` for every iteration, spread over `workers` threads.

    Each worker runs its share in order (so it can keep one simulator and one data folder);
    the first failure is re-raised.
    """
    shares: list[list[int]] = [list(range(w, iterations, workers)) for w in range(workers)]

    def run_share(worker: int, share: Sequence[int]) -> None:
        for iteration in share:
            body(worker, iteration)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crash") as pool:
        futures = [pool.submit(run_share, w, share) for w, share in enumerate(shares)]
        for future in futures:
            future.result()
