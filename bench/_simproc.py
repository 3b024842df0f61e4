"""The GEN simulator in a child process, for benchmarks that must not share its event loop.

    from _simproc import SimProcess          # bench/ is on sys.path for `python bench/x.py`

    with SimProcess(speed=1.0, video_bytes=1024**3) as sim:
        sim.base_url, sim.cdn_base_url, sim.api_key, sim.pid
        sim.big_video_url, sim.big_video_sha256, sim.big_video_size
        sim.call("journal", method="GET", path_regex=r"/cdn/files/")   # inspect the child

The parent writes the big video (the project's sample MP4 followed by one top-level ISO-BMFF
`free` box, so it starts with `ftyp` and is a valid-looking MP4 of exactly `video_bytes`) into a
temporary folder, then starts `sys.executable` on this file. The child runs
`genpro_desktop.simulator.Simulator` with `RealClock(speed)`, serves the file from disk (sendfile,
Range, If-Range, ETag: see `simulator.media.DiskMediaResponse`), prints one JSON line with its
addresses and then answers one JSON command per stdin line. It exits when its stdin closes, so it
dies with the parent however the parent ends, and removes the temporary folder as it goes;
`close()` (or leaving the `with`) stops it the same way.

Commands (`call(op, **kwargs)`): `journal(method="*", path_regex="")` -> requests seen (method,
path, query, masked headers, status); `count(method, path_regex)`; `clear_journal()`;
`set_balance(generic)`; `balance()`; `add_large_engine(rows, columns)` -> engine id;
`script_render(outcome="completed", pending_s, done_s, times)`; `last_render_id()`.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import queue
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

BIG_VIDEO_NAME = "big_video.mp4"
_WRITE_BLOCK = 4 * 1024 * 1024
_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 5.0

__all__ = ["BIG_VIDEO_NAME", "SimProcess", "SimProcessError", "write_big_video"]


class SimProcessError(RuntimeError):
    """The simulator child did not start, died, or refused a command."""


def write_big_video(path: Path, size: int) -> str:
    """Write a valid-looking MP4 of exactly `size` bytes at `path`; returns its sha256 (hex).

    The sample MP4, then one top-level `free` box (64-bit size when needed) filling the rest
    with a repeating pseudo-random block, so the bytes are not all zeros.
    """
    from genpro_desktop.simulator.media import sample_path

    sample = sample_path("render.mp4").read_bytes()
    padding = size - len(sample)
    if padding == 0:
        header = b""
    elif padding < 8:
        raise ValueError(f"video_bytes must be {len(sample)} or at least {len(sample) + 8}")
    elif padding <= 0xFFFFFFFF:
        header = struct.pack(">I4s", padding, b"free")
    else:
        header = struct.pack(">I4sQ", 1, b"free", padding)
    block = hashlib.shake_256(b"genpro big video").digest(_WRITE_BLOCK)
    digest = hashlib.sha256()
    with path.open("wb") as sink:
        for piece in (sample, header):
            sink.write(piece)
            digest.update(piece)
        left = size - len(sample) - len(header)
        while left > 0:
            piece = block[: min(left, len(block))]
            sink.write(piece)
            digest.update(piece)
            left -= len(piece)
    return digest.hexdigest()


class SimProcess:
    """A context manager running the simulator in a child process (see the module docstring)."""

    def __init__(
        self,
        speed: float = 1.0,
        video_bytes: int | None = None,
        *,
        renders_use_big_video: bool = False,
        balance: float | str | None = None,
        large_engine: tuple[int, int] | None = None,
        seed: int = 7,
        workdir: Path | None = None,
    ) -> None:
        if renders_use_big_video and video_bytes is None:
            raise ValueError("renders_use_big_video needs video_bytes")
        self.speed = speed
        self.video_bytes = video_bytes
        self.renders_use_big_video = renders_use_big_video
        self.balance = balance
        self.large_engine = large_engine
        self.seed = seed
        self._workdir = workdir
        self._tmp: Path | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._lock = threading.Lock()
        self.info: dict[str, Any] = {}
        self.big_video_path: Path | None = None
        self.big_video_sha256: str | None = None
        self.big_video_size: int | None = None
        self.large_engine_id: int | None = None

    # -- addresses ---------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """API base URL, e.g. http://127.0.0.1:PORT/v1."""
        return str(self._field("base_url"))

    @property
    def cdn_base_url(self) -> str:
        """CDN base URL, e.g. http://127.0.0.1:PORT/cdn."""
        return str(self._field("cdn_base_url"))

    @property
    def api_key(self) -> str:
        """The key the simulator accepts (the public demo key)."""
        return str(self._field("api_key"))

    @property
    def pid(self) -> int:
        """The child's process id."""
        return int(self._field("pid"))

    @property
    def big_video_url(self) -> str:
        """Where the big video is served (only with `video_bytes`)."""
        if self.big_video_path is None:
            raise SimProcessError("no big video: pass video_bytes")
        return f"{self.cdn_base_url}/files/{BIG_VIDEO_NAME}"

    def _field(self, name: str) -> Any:
        if name not in self.info:
            raise SimProcessError("the simulator process is not running")
        return self.info[name]

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> Self:
        """Write the big video (if any), start the child and wait for its addresses."""
        if self._proc is not None:
            raise SimProcessError("already started")
        self._tmp = Path(tempfile.mkdtemp(prefix="genpro-simproc-", dir=self._workdir))
        command = [sys.executable, str(Path(__file__).resolve()), "--speed", str(self.speed)]
        command += ["--seed", str(self.seed), "--remove-on-exit", str(self._tmp)]
        try:
            if self.video_bytes is not None:
                self.big_video_path = self._tmp / BIG_VIDEO_NAME
                self.big_video_sha256 = write_big_video(self.big_video_path, self.video_bytes)
                self.big_video_size = self.video_bytes
                command += ["--video-file", str(self.big_video_path)]
                if self.renders_use_big_video:
                    command.append("--renders-use-big-video")
            if self.balance is not None:
                command += ["--balance", str(self.balance)]
            if self.large_engine is not None:
                command += ["--large-engine", f"{self.large_engine[0]}x{self.large_engine[1]}"]
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                bufsize=1,
            )
            assert self._proc.stdout is not None
            reader = threading.Thread(
                target=self._read_stdout, args=(self._proc.stdout,), daemon=True
            )
            reader.start()
            self.info = json.loads(self._next_line(_START_TIMEOUT_S))
            self.large_engine_id = self.info.get("large_engine_id")
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Stop the child (stdin closed, then terminate/kill) and remove the temporary folder."""
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(OSError):
                if proc.stdin is not None:
                    proc.stdin.close()
            try:
                proc.wait(_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(_STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        self.info = {}
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- commands ----------------------------------------------------------------------

    def call(self, op: str, timeout: float = 30.0, **kwargs: Any) -> Any:
        """Run one command in the child and return its result (see the module docstring)."""
        with self._lock:
            proc = self._proc
            if proc is None or proc.stdin is None:
                raise SimProcessError("the simulator process is not running")
            try:
                proc.stdin.write(json.dumps({"op": op, **kwargs}) + "\n")
                proc.stdin.flush()
            except OSError as exc:
                raise SimProcessError(f"the simulator process is gone: {exc}") from exc
            reply = json.loads(self._next_line(timeout))
        if not reply.get("ok"):
            raise SimProcessError(f"{op} failed: {reply.get('error')}")
        return reply.get("result")

    def _read_stdout(self, stdout: IO[str]) -> None:
        with contextlib.suppress(OSError, ValueError):
            for line in stdout:
                self._lines.put(line)
        self._lines.put(None)

    def _next_line(self, timeout: float) -> str:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise SimProcessError(f"the simulator process did not answer in {timeout} s") from None
        if line is None:
            self._lines.put(None)  # later callers see the end too
            raise SimProcessError("the simulator process exited (see its stderr)")
        return line


# -- the child -------------------------------------------------------------------------


def _commands(sim: Any) -> dict[str, Callable[..., Any]]:
    def journal(method: str = "*", path_regex: str = "") -> list[dict[str, Any]]:
        return [
            {
                "method": e.method,
                "path": e.path,
                "query": e.query,
                "headers": e.headers,
                "status": e.status,
            }
            for e in sim.journal.find(method, path_regex)
        ]

    state = sim.state
    return {
        "journal": journal,
        "count": lambda method="*", path_regex="": sim.journal.count(method, path_regex),
        "clear_journal": sim.journal.clear,
        "set_balance": lambda generic: state.set_balance(str(generic)),
        "balance": lambda: str(state.balance()),
        "add_large_engine": state.add_large_engine,
        "script_render": state.script_render,
        "last_render_id": lambda: state.last_render_id,
    }


def _child_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="GEN simulator child process (bench/_simproc)")
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--video-file", type=Path)
    parser.add_argument("--renders-use-big-video", action="store_true")
    parser.add_argument("--balance")
    parser.add_argument("--large-engine", help="ROWSxCOLUMNS")
    parser.add_argument("--remove-on-exit", type=Path, help="a folder to delete when done")
    args = parser.parse_args(argv)

    from genpro_desktop.simulator import RealClock, Simulator

    sim = Simulator(clock=RealClock(args.speed), seed=args.seed)
    info: dict[str, Any] = {"pid": os.getpid()}
    if args.video_file is not None:
        sim.state.media_files[BIG_VIDEO_NAME] = args.video_file
        if args.renders_use_big_video:
            sim.state.render_output_file = args.video_file
    if args.balance is not None:
        sim.state.set_balance(args.balance)
    if args.large_engine:
        rows, columns = (int(part) for part in args.large_engine.lower().split("x"))
        info["large_engine_id"] = sim.state.add_large_engine(rows, columns)
    sim.start()
    try:
        info.update(
            origin=sim.origin,
            base_url=sim.base_url,
            cdn_base_url=sim.cdn_base_url,
            api_key=sim.api_key,
        )
        print(json.dumps(info), flush=True)
        commands = _commands(sim)
        for line in sys.stdin:  # ends when the parent closes stdin or dies
            if not line.strip():
                continue
            try:
                request = json.loads(line)
                handler = commands[request.pop("op")]
                reply = {"ok": True, "result": handler(**request)}
            except Exception as exc:
                reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            print(json.dumps(reply, default=str), flush=True)
    finally:
        sim.stop()
        if args.remove_on_exit is not None:  # also when the parent was killed
            shutil.rmtree(args.remove_on_exit, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(_child_main(sys.argv[1:]))
