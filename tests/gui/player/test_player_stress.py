"""The preview cannot hang the app (issue 13, part 6).

Making, switching and dropping players used to deadlock: Qt's FFmpeg media thread, deleting a
renderer, called a Python-made QAudioOutput's `disconnectNotify` (which needs the GIL) while the GUI
thread sat in `PreviewPlayer.set_source` holding the GIL and waiting for the media thread's lock.
The stress runs in a child process (a hang there cannot take pytest with it) under a watchdog that
collects the stacks (Python via faulthandler, native via py-spy when installed) and kills it.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
from pathlib import Path

STRESS = Path(__file__).with_name("player_stress.py")
SWITCHES = 1000
LIFETIMES = 300
# A run takes about 25 s on a loaded 2-core machine; a hang is declared well after that.
WATCHDOG_S = 120.0


def _native_stacks(pid: int) -> str:
    """py-spy's view of every thread, C frames included (empty when py-spy is not installed)."""
    py_spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if py_spy is None:
        return ""
    try:
        dump = subprocess.run(
            [py_spy, "dump", "--native", "--pid", str(pid)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "py-spy did not answer within 30 s"
    return dump.stdout + dump.stderr


def _run_stress(seed: int) -> tuple[int | None, str, str]:
    """The stress program's exit code (None when it hung), stdout and stderr plus stacks."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_LOGGING_RULES="*=false")
    command = [
        sys.executable,
        str(STRESS),
        f"--switches={SWITCHES}",
        f"--lifetimes={LIFETIMES}",
        f"--seed={seed}",
        f"--watchdog={WATCHDOG_S + 60}",
    ]
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        try:
            out, err = child.communicate(timeout=WATCHDOG_S)
        except subprocess.TimeoutExpired:
            native = _native_stacks(child.pid)
            child.send_signal(signal.SIGABRT)  # faulthandler prints the Python stacks, then dies
            try:
                out, err = child.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                out, err = child.communicate()
            return None, out, f"{err}\n--- native stacks (py-spy) ---\n{native}"
    return child.returncode, out, err


def _without_ffmpeg_chatter(text: str) -> str:
    """stderr minus FFmpeg's own log lines (a source switched mid-probe makes it complain)."""
    noise = ("[", "Consider increasing the value")
    return "\n".join(line for line in text.splitlines() if not line.startswith(noise))


def test_switching_and_dropping_players_never_hangs_and_frames_keep_coming() -> None:
    seed = random.SystemRandom().randrange(1_000_000)
    code, out, err = _run_stress(seed)
    tail = _without_ffmpeg_chatter(err)[-12_000:]
    assert code is not None, f"the preview hung (seed {seed}); stacks:\n{tail}"
    assert code == 0, f"the stress program failed (seed {seed}, exit {code}):\n{out}\n{tail}"
    result = json.loads(out.strip().splitlines()[-1])
    assert result["native"], "Qt's QML engine did not build the media objects"
    assert result["switches"] >= SWITCHES
    assert result["frames_during_switches"] >= SWITCHES // 25, "frames decoded between switches"
    assert result["frames_after_switches"] >= 5
    assert result["unloaded"] >= LIFETIMES, "players loaded, played, unloaded and deleted"
    assert result["lifetimes"] > result["unloaded"], "and some deleted while playing"
    assert result["destroyed"] == result["lifetimes"], "every player was really deleted"
    assert result["frames_after_lifetimes"] >= 5
