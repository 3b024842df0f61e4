"""Stress program for `PreviewPlayer` (run by test_player_stress.py in a child process).

Drives the situations that used to deadlock Qt's FFmpeg media thread against the GIL:
1. one player switching sources while playing, many times;
2. many player lifetimes: load, play for a random moment, unload (3 in 4), delete;
3. then a fresh player still has to deliver frames.
Prints one JSON line with the counts and timings on success; exits non-zero on any failure.
A hang is ended by the parent's watchdog (SIGABRT; faulthandler then prints every thread's stack).
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication

from genpro_desktop.core.resources import resource_path
from genpro_desktop.gui.player import PreviewPlayer

FRAME_WAIT_MS = 10_000
DECODE_EVERY = 25  # every 25th switch waits for a decoded frame before the next one


def spin(ms: int) -> None:
    """Run the event loop for `ms` milliseconds (0: one pass over what is pending)."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_frames(player: PreviewPlayer, count: int) -> int:
    """Run the event loop until `player` delivered `count` new frames; returns how many came."""
    seen = [0]
    loop = QEventLoop()

    def on_frame(_image: object) -> None:
        seen[0] += 1
        if seen[0] >= count:
            loop.quit()

    player.frame_changed.connect(on_frame)
    QTimer.singleShot(FRAME_WAIT_MS, loop.quit)
    loop.exec()
    player.frame_changed.disconnect(on_frame)
    return seen[0]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--switches", type=int, default=1000)
    parser.add_argument("--lifetimes", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--watchdog", type=float, default=120.0)
    args = parser.parse_args()
    # A hung run is ended by the parent with SIGABRT: faulthandler prints every thread's Python
    # stack first. The timer is the backstop should the parent be gone.
    faulthandler.enable(all_threads=True)
    faulthandler.dump_traceback_later(args.watchdog, exit=True)
    rng = random.Random(args.seed)
    app = QApplication([])
    work = Path(tempfile.mkdtemp(prefix="preview-stress-"))
    try:
        first = resource_path("sample/render.mp4")
        second = work / "other.mp4"
        shutil.copyfile(first, second)
        result = run(rng, (first, second), args.switches, args.lifetimes)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    app.processEvents()
    print(json.dumps(result), flush=True)
    failures = [
        result["frames_during_switches"] < args.switches // DECODE_EVERY,
        result["frames_after_switches"] < 5,
        result["destroyed"] != result["lifetimes"],
        result["frames_after_lifetimes"] < 5,
    ]
    return 1 if any(failures) else 0


def run(rng: random.Random, clips: tuple[Path, Path], switches: int, lifetimes: int) -> dict:
    started = time.monotonic()
    player = PreviewPlayer()
    native = player.native
    player.set_source(clips[0])
    player.play()
    frames_before = wait_frames(player, 1)
    during = [0]

    def count_frame(_image: object) -> None:
        during[0] += 1

    player.frame_changed.connect(count_frame)
    for n in range(switches):
        player.set_source(clips[(n + 1) % 2])
        player.play()
        if n % DECODE_EVERY == DECODE_EVERY - 1:
            wait_frames(player, 1)  # switch away in the middle of real decoding too
        else:
            spin(rng.randint(0, 4))
    player.frame_changed.disconnect(count_frame)
    frames_after_switches = wait_frames(player, 5)
    player.deleteLater()
    spin(0)
    switches_s = time.monotonic() - started

    started = time.monotonic()
    destroyed = [0]
    unloaded = 0

    def count_destroyed(_obj: QObject | None = None) -> None:
        destroyed[0] += 1

    # `lifetimes` players are loaded, played, unloaded and deleted; one more for every three of
    # them is deleted while still playing, without the unload.
    total = lifetimes + lifetimes // 3
    for n in range(total):
        player = PreviewPlayer()
        player.destroyed.connect(count_destroyed)
        player.set_source(clips[n % 2])
        player.play()
        spin(rng.randint(0, 50))
        if n % 4 != 3:
            player.set_source(None)
            unloaded += 1
        player.deleteLater()
        spin(0)
    spin(0)
    lifetimes_s = time.monotonic() - started

    started = time.monotonic()
    player = PreviewPlayer()
    player.set_source(clips[0])
    player.play()
    frames_after_lifetimes = wait_frames(player, 5)
    player.set_source(None)
    player.deleteLater()
    spin(0)
    return {
        "native": native,
        "switches": switches,
        "frames_before_switches": frames_before,
        "frames_during_switches": during[0],
        "frames_after_switches": frames_after_switches,
        "switches_s": round(switches_s, 2),
        "lifetimes": total,
        "unloaded": unloaded,
        "destroyed": destroyed[0],
        "lifetimes_s": round(lifetimes_s, 2),
        "frames_after_lifetimes": frames_after_lifetimes,
        "final_s": round(time.monotonic() - started, 2),
    }


if __name__ == "__main__":
    sys.exit(main())
