"""Download throughput: the app's downloader vs `curl -o`, on loopback, plus a resumed download.

The simulator runs in its own process (`_simproc.SimProcess`) and serves a `--size` MP4 from
disk (sendfile). Then, `--pairs` times, alternating which goes first: the app's downloader in a
fresh child process (as the job tracker uses it: `Downloader().download(...)` with a progress
callback and a checkpoint callback that saves the job to the app's SQLite store) and
`curl -sS -o FILE URL`. Each run is checked against the source's sha256 and deleted.

- app: seconds inside the child around `download()` (streaming, hashing, checks, fsync, rename);
  peak RSS growth = peak RSS during the download minus RSS just before it (psutil sampling every
  5 ms, made exact on Linux with `ru_maxrss`).
- curl: seconds around the curl process; `curl_fsync_s` is how long an fsync of curl's file took
  afterwards (curl does not fsync; the app does), reported apart, not added.
- resume: the app's download is cancelled (as the Stop button does) once a checkpoint passes
  `--cut` of the file, then resumed from the saved state; the simulator's journal must show a
  `Range: bytes=<kept>-` request with `If-Range`, and the result must match the sha256.

Prints one JSON object per line, then a one-line human summary.

    uv run python bench/download.py [--size 1GiB] [--pairs 5] [--cut 0.5] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from _simproc import SimProcess

GOAL_RATIO = 0.95  # against curl + sha256sum + fsync
GOAL_BARE_RATIO = 0.8  # against curl alone
GOAL_RSS_MIB = 32.0
MIB = 1024 * 1024
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B?|B)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "B": 1, "K": 1024, "M": MIB, "G": 1024**3, "T": 1024**4}


def parse_size(text: str) -> int:
    """'1GiB', '8MiB', '512K' or a plain byte count -> bytes (binary units)."""
    match = _SIZE.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}")
    unit = (match[2] or "").upper()[:1]
    return int(float(match[1]) * _UNITS["B" if unit == "B" else unit])


def sha256_of(path: Path) -> str:
    """The sha256 of a file, read in 4 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(4 * MIB):
            digest.update(block)
    return digest.hexdigest()


# -- the app's side, in a fresh child process ----------------------------------------------


class PeakRss:
    """Samples this process's RSS in a thread; `ru_maxrss` makes the peak exact on Linux."""

    def __init__(self, interval: float = 0.005) -> None:
        self._process = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.before = 0
        self.peak = 0
        self._maxrss_before = 0

    def __enter__(self) -> PeakRss:
        gc.collect()
        self.before = self.peak = self._process.memory_info().rss
        self._maxrss_before = _ru_maxrss()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        maxrss = _ru_maxrss()
        if maxrss > self._maxrss_before:  # the lifetime peak was set during the download
            self.peak = max(self.peak, maxrss)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak = max(self.peak, self._process.memory_info().rss)


def _ru_maxrss() -> int:
    try:
        import resource
    except ImportError:  # Windows: the sampled peak is all there is
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


@dataclass
class _AppJob:
    """What the job tracker does on progress and checkpoints (event + a saved job row)."""

    store: Any
    job: Any
    progress_calls: int = 0
    checkpoints: int = 0
    last_state: Any = None
    cut_at: int | None = None
    task: asyncio.Task[Any] | None = None
    saves: list[float] = field(default_factory=list[float])

    def on_progress(self, progress: Any) -> None:
        self.progress_calls += 1
        self.job.bytes_done, self.job.bytes_total = progress.bytes, progress.total

    async def on_checkpoint(self, state: Any) -> None:
        from dataclasses import replace

        self.checkpoints += 1
        self.last_state = state
        self.job.part_path, self.job.bytes_done = str(state.part_path), state.bytes_done
        self.job.etag, self.job.last_modified = state.etag, state.last_modified
        await self.store.save_job(replace(self.job))
        if self.cut_at is not None and state.bytes_done >= self.cut_at and self.task is not None:
            self.task.cancel()


async def _app_worker(args: argparse.Namespace) -> dict[str, Any]:
    from genpro_desktop.core.downloads import Downloader
    from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob, new_job_id
    from genpro_desktop.core.store.store import Store

    dest = Path(args.dest)
    now = datetime.now(UTC)
    job = LocalJob(new_job_id(), JobKind.DOWNLOAD, JobState.DOWNLOADING, None, now, now)
    job.target_path = str(dest / "render.mp4")
    store = Store.open(dest / "bench.sqlite3")
    hooks = _AppJob(store, job)
    # The cut run checkpoints every MiB, so the cut lands just past the mark at any size (the
    # app's default, 64 MiB or 1 s, would leave a small file uncut).
    downloader = Downloader(checkpoint_bytes=MIB) if args.worker_cut is not None else Downloader()
    out: dict[str, Any] = {}
    try:
        await store.save_job(job)
        if args.worker_cut is not None:
            hooks.cut_at = int(args.size * args.worker_cut)
            attempt = asyncio.create_task(_download(downloader, args.url, dest, hooks))
            hooks.task = attempt
            try:
                await attempt
                raise RuntimeError("the download finished before it could be cut")
            except asyncio.CancelledError:
                pass
            state = hooks.last_state
            out["kept_bytes"] = state.part_path.stat().st_size
            out["checkpoint_bytes"] = state.bytes_done
            hooks.cut_at = hooks.task = None
            started = time.perf_counter()
            result = await downloader.download(
                args.url, dest, resume=state, progress=hooks.on_progress,
                on_checkpoint=hooks.on_checkpoint,
            )  # fmt: skip
            out["resume_seconds"] = time.perf_counter() - started
            out["resumed_from"] = result.resumed_from
        else:
            lateness: list[float] = []
            heartbeat = asyncio.create_task(_heartbeat(lateness))
            with PeakRss() as rss:
                started, loop_cpu = time.perf_counter(), time.thread_time()
                cpu = time.process_time()  # every thread of this process
                result = await _download(downloader, args.url, dest, hooks)
                out["seconds"] = time.perf_counter() - started
                out["cpu_s"] = round(time.process_time() - cpu, 3)
                out["loop_cpu_s"] = round(time.thread_time() - loop_cpu, 3)
            heartbeat.cancel()
            lateness.sort()
            out["loop_late_p99_ms"] = round(lateness[int(len(lateness) * 0.99)] * 1000, 2)
            out["loop_late_max_ms"] = round(lateness[-1] * 1000, 2)
            out.update(rss_before=rss.before, rss_peak=rss.peak, rss_growth=rss.peak - rss.before)
        out.update(
            bytes=result.bytes,
            sha256=result.sha256,
            file_sha256=sha256_of(result.path),
            progress_calls=hooks.progress_calls,
            checkpoints=hooks.checkpoints,
        )
        result.path.unlink()
    finally:
        await downloader.aclose()
        await store.aclose()
    return out


async def _heartbeat(lateness: list[float], period: float = 0.005) -> None:
    """How late a 5 ms timer on the download's event loop fires (the GUI thread, in the app)."""
    while True:
        due = time.perf_counter() + period
        await asyncio.sleep(period)
        lateness.append(max(0.0, time.perf_counter() - due))


async def _download(downloader: Any, url: str, dest: Path, hooks: _AppJob) -> Any:
    return await downloader.download(
        url, dest, progress=hooks.on_progress, on_checkpoint=hooks.on_checkpoint
    )


# -- the parent ---------------------------------------------------------------------------


def _run_app(
    url: str, size: int, folder: Path, cut: float | None = None, src: Path | None = None
) -> dict[str, Any]:
    """The app's downloader in a fresh child; ``src`` runs another checkout's package instead."""
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, __file__, "--worker", "--url", url, "--dest", str(folder)]
    command += ["--size", str(size)]
    if cut is not None:
        command += ["--worker-cut", str(cut)]
    env = None
    if src is not None:
        env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"the app worker failed:\n{done.stderr[-4000:]}")
    shutil.rmtree(folder, ignore_errors=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _children_cpu() -> float:
    """CPU seconds (user + system) of the waited-for children so far (0 where unknown)."""
    try:
        import resource
    except ImportError:
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_curl(curl: str, url: str, folder: Path, expected: str) -> dict[str, Any]:
    """`curl -o`, then what a careful user adds: `sha256sum` of the file and an fsync of it."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "render.mp4"
    cpu = _children_cpu()
    started = time.perf_counter()
    subprocess.run([curl, "-sS", "-o", str(target), url], check=True)
    seconds = time.perf_counter() - started
    curl_cpu = _children_cpu() - cpu
    hashed = time.perf_counter()
    sha256sum = shutil.which("sha256sum")
    if sha256sum is not None:
        out = subprocess.run([sha256sum, str(target)], check=True, capture_output=True, text=True)
        digest = out.stdout.split()[0]
    else:  # not on macOS/Windows by that name: the same work in this process
        digest = sha256_of(target)
    sha256_s = time.perf_counter() - hashed
    hash_cpu = _children_cpu() - cpu - curl_cpu
    synced = time.perf_counter()
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_s = time.perf_counter() - synced
    size = target.stat().st_size
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "seconds": seconds,
        "bytes": size,
        "sha256_ok": digest == expected,
        "curl_sha256_s": round(sha256_s, 4),
        "curl_fsync_s": round(fsync_s, 4),
        "careful_seconds": seconds + sha256_s + fsync_s,
        "cpu_s": round(curl_cpu, 3),
        "careful_cpu_s": round(curl_cpu + hash_cpu, 3),
    }


def _mb_s(size: int, seconds: float) -> float:
    return round(size / seconds / 1e6, 1)


def _emit(record: dict[str, Any]) -> None:
    print(json.dumps({"bench": "download", **record}), flush=True)


class PlainServer:
    """The standard library's HTTP server (`python -m http.server`) on one file's folder, in a
    child process: it copies the file into the socket in ordinary 64 KiB writes, not sendfile,
    and knows no Range (the resume is measured against the simulator only)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._proc: subprocess.Popen[str] | None = None
        self.url = ""

    def __enter__(self) -> PlainServer:
        command = [sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1"]
        command += ["--directory", str(self._path.parent), "0"]
        self._proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()  # "Serving HTTP on 127.0.0.1 port 41234 (...)"
        match = re.search(r"port (\d+)", line)
        if match is None:
            self.__exit__()
            raise RuntimeError(f"http.server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{match[1]}/{self._path.name}"
        return self

    def __exit__(self, *exc_info: object) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _pairs(
    server: str, url: str, expected: str, args: argparse.Namespace, workdir: Path, curl: str
) -> dict[str, Any]:
    """Alternating app / curl (/ the baseline app) runs against one server; its summary."""
    kinds = ["app", "curl"] + (["app_base"] if args.baseline_src is not None else [])
    seconds: dict[str, list[float]] = {kind: [] for kind in kinds}
    careful: list[float] = []
    cpu: dict[str, list[float]] = {kind: [] for kind in kinds}
    careful_cpu: list[float] = []
    ratios: list[float] = []
    careful_ratios: list[float] = []
    fsync_ratios: list[float] = []
    base_ratios: list[float] = []
    growths: list[int] = []
    all_ok = True
    gib = args.size / 1024**3
    for pair in range(1, args.pairs + 1):
        shift = (pair - 1) % len(kinds)
        order = kinds[shift:] + kinds[:shift]
        this: dict[str, float] = {}
        for kind in order:
            folder = workdir / f"{server}-{kind}-{pair}"
            if kind.startswith("app"):
                src = args.baseline_src if kind == "app_base" else None
                rec = _run_app(url, args.size, folder, src=src)
                rec["sha256_ok"] = rec["sha256"] == rec["file_sha256"] == expected
                rec = {k: v for k, v in rec.items() if k not in ("sha256", "file_sha256")}
                if kind == "app":
                    growths.append(rec["rss_growth"])
                rec["rss_growth_mib"] = round(rec["rss_growth"] / MIB, 2)
            else:
                rec = _run_curl(curl, url, folder, expected)
                careful.append(rec["careful_seconds"])
                careful_cpu.append(rec["careful_cpu_s"])
                this["careful"] = rec["careful_seconds"]
                this["curl_fsync"] = rec["seconds"] + rec["curl_fsync_s"]
            all_ok &= rec["sha256_ok"] and rec["bytes"] == args.size
            seconds[kind].append(rec["seconds"])
            cpu[kind].append(rec.get("cpu_s", 0.0))
            this[kind] = rec["seconds"]
            rate = _mb_s(args.size, rec["seconds"])
            _emit({"kind": kind, "server": server, "pair": pair, "mb_per_s": rate, **rec})
        ratios.append(this["curl"] / this["app"])
        careful_ratios.append(this["careful"] / this["app"])
        fsync_ratios.append(this["curl_fsync"] / this["app"])
        if "app_base" in this:
            base_ratios.append(this["app_base"] / this["app"])
    median = statistics.median
    out: dict[str, Any] = {
        "server": server,
        "ratios": [round(r, 3) for r in ratios],
        "median_ratio": round(median(ratios), 3),
        "careful_ratios": [round(r, 3) for r in careful_ratios],
        "median_ratio_vs_careful": round(median(careful_ratios), 3),
        # Stricter than the careful user: curl + an fsync, no hashing at all.
        "median_ratio_vs_curl_plus_fsync": round(median(fsync_ratios), 3),
        "app_mb_per_s_median": _mb_s(args.size, median(seconds["app"])),
        "curl_mb_per_s_median": _mb_s(args.size, median(seconds["curl"])),
        "careful_mb_per_s_median": _mb_s(args.size, median(careful)),
        "app_cpu_s_per_gib": round(median(cpu["app"]) / gib, 3),
        "curl_cpu_s_per_gib": round(median(cpu["curl"]) / gib, 3),
        "careful_cpu_s_per_gib": round(median(careful_cpu) / gib, 3),
        "peak_rss_growth_mib": round(max(growths) / MIB, 2),
        "all_sha256_ok": all_ok,
    }
    if base_ratios:
        out["baseline_app_mb_per_s_median"] = _mb_s(args.size, median(seconds["app_base"]))
        out["baseline_cpu_s_per_gib"] = round(median(cpu["app_base"]) / gib, 3)
        out["app_speedup_vs_baseline"] = [round(r, 3) for r in base_ratios]
        out["app_speedup_vs_baseline_median"] = round(median(base_ratios), 3)
    out["careful_goal_met"] = out["median_ratio_vs_careful"] >= GOAL_RATIO
    out["curl_goal_met"] = out["median_ratio"] >= GOAL_BARE_RATIO
    return out


def run(args: argparse.Namespace) -> int:
    """Start the servers, run the pairs and the resume, print the lines; 0 = all verified."""
    curl = shutil.which("curl")
    if curl is None:
        print("curl is not installed; the benchmark needs it", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="genpro-bench-dl-", dir=args.workdir))
    servers: dict[str, dict[str, Any]] = {}
    try:
        with SimProcess(video_bytes=args.size, workdir=workdir) as sim:
            url, expected = sim.big_video_url, sim.big_video_sha256 or ""
            assert sim.big_video_path is not None
            for server in args.servers:
                if server == "sim":
                    servers[server] = _pairs(server, url, expected, args, workdir, curl)
                else:
                    with PlainServer(sim.big_video_path) as plain:
                        servers[server] = _pairs(server, plain.url, expected, args, workdir, curl)
                _emit({"kind": "server_summary", **servers[server]})
            resume = _resume(sim, url, expected, args, workdir / "resume")
            _emit({"kind": "resume", **resume})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    all_ok = resume["ok"] and all(s["all_sha256_ok"] for s in servers.values())
    first = servers[args.servers[0]]
    peak_growth_mib = max(s["peak_rss_growth_mib"] for s in servers.values())
    summary = {
        "kind": "summary",
        "size": args.size,
        "pairs": args.pairs,
        "servers": list(args.servers),
        # The first server's figures at the top level (older readers of this line use them).
        "ratios": first["ratios"],
        "median_ratio": first["median_ratio"],
        "median_ratio_vs_careful": first["median_ratio_vs_careful"],
        "median_ratio_vs_curl_plus_fsync": first["median_ratio_vs_curl_plus_fsync"],
        "app_mb_per_s_median": first["app_mb_per_s_median"],
        "curl_mb_per_s_median": first["curl_mb_per_s_median"],
        "by_server": servers,
        "peak_rss_growth_mib": peak_growth_mib,
        "careful_goal_met": all(s["careful_goal_met"] for s in servers.values()),
        "curl_goal_met": all(s["curl_goal_met"] for s in servers.values()),
        "rss_goal_met": peak_growth_mib <= GOAL_RSS_MIB,
        "resume_ok": resume["ok"],
        "all_sha256_ok": all_ok,
        "load_average": [round(x, 2) for x in os.getloadavg()]
        if hasattr(os, "getloadavg")
        else None,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
    }
    _emit(summary)
    parts = [
        f"{name}: app {s['app_mb_per_s_median']} MB/s = {s['median_ratio']:.3f} x curl "
        f"({s['curl_mb_per_s_median']} MB/s; goal >= {GOAL_BARE_RATIO}), "
        f"{s['median_ratio_vs_careful']:.3f} x curl + sha256sum + fsync (goal >= {GOAL_RATIO}), "
        f"CPU s/GiB app {s['app_cpu_s_per_gib']} vs curl {s['curl_cpu_s_per_gib']}"
        for name, s in servers.items()
    ]
    print(
        f"download {args.size / MIB:.0f} MiB x {args.pairs} pairs: "
        + "; ".join(parts)
        + f"; peak RSS growth {peak_growth_mib:.1f} MiB (goal <= {GOAL_RSS_MIB:.0f}), resume "
        f"{'ok' if resume['ok'] else 'FAILED'}, sha256 {'ok' if all_ok else 'MISMATCH'}"
    )
    return 0 if all_ok else 1


def _resume(
    sim: SimProcess, url: str, expected: str, args: argparse.Namespace, folder: Path
) -> dict[str, Any]:
    path = "/cdn/files/"
    sim.call("clear_journal")
    rec = _run_app(url, args.size, folder, cut=args.cut)
    gets = sim.call("journal", method="GET", path_regex=path)
    last = gets[-1]["headers"] if gets else {}
    wanted_range = f"bytes={rec['kept_bytes']}-"
    ok = (
        rec["sha256"] == rec["file_sha256"] == expected
        and rec["bytes"] == args.size
        and rec["resumed_from"] == rec["kept_bytes"] > 0
        and len(gets) == 2
        and last.get("Range") == wanted_range
        and "If-Range" in last
    )
    return {
        "cut": args.cut,
        "kept_bytes": rec["kept_bytes"],
        "resumed_from": rec["resumed_from"],
        "requests": len(gets),
        "range_header": last.get("Range"),
        "if_range_sent": "If-Range" in last,
        "resume_seconds": round(rec["resume_seconds"], 3),
        "sha256_ok": rec["sha256"] == rec["file_sha256"] == expected,
        "ok": ok,
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, default=1024**3, help="file size (1GiB)")
    parser.add_argument("--pairs", type=int, default=5, help="app/curl pairs (5)")
    parser.add_argument("--cut", type=float, default=0.5, help="resume test: cut at (0.5)")
    parser.add_argument("--workdir", type=Path, help="where temporary files go")
    parser.add_argument(
        "--servers",
        nargs="+",
        choices=("sim", "plain"),
        default=["sim", "plain"],
        help="the simulator (sendfile) and/or the standard library's http.server (sim plain)",
    )
    parser.add_argument(
        "--baseline-src",
        type=Path,
        help="also run another checkout's downloader (its folder holding genpro_desktop/)",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--dest", help=argparse.SUPPRESS)
    parser.add_argument("--worker-cut", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        if args.dest is None or args.url is None:
            parser.error("--worker needs --url and --dest")
        print(json.dumps(asyncio.run(_app_worker(args))), flush=True)
        return 0
    if args.pairs < 1 or not 0 < args.cut < 1:
        parser.error("--pairs must be >= 1 and --cut between 0 and 1")
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
