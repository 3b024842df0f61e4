"""A download's worker threads run at a lower CPU priority than the GUI thread.

Writing and hashing a download take ~1-1.4 s of CPU per 512 MiB on threads of their own. On a
busy two-core machine `perf sched` found them preempting the GUI thread (181 of 570 times at
N = 500 in bench/responsiveness.py), which then missed its 60 Hz frames. A thread whose nice
value is higher yields to the GUI thread when both want the CPU, and still gets any CPU nobody
else wants, so the download keeps its speed on an idle core.

Linux keeps the nice value per thread (setpriority(2) on a thread id); with the scheduler's
autogroups (the default on desktops) it weighs the thread against the app's other threads, not
against other programs. Elsewhere this does nothing. A thread can always lower its own priority
(no privilege needed); it never raises one. GENPRO_WORKER_NICE=<0-19> sets the step (default 5;
0 turns it off, for side-by-side benchmarks).
"""

from __future__ import annotations

import os
import sys
import threading

WORKER_NICE_ENV = "GENPRO_WORKER_NICE"
DEFAULT_WORKER_NICE = 5
_MAX_NICE = 19


def worker_nice() -> int:
    """How many nice steps a download worker thread takes (0: none)."""
    raw = os.environ.get(WORKER_NICE_ENV, "").strip()
    try:
        step = int(raw) if raw else DEFAULT_WORKER_NICE
    except ValueError:
        step = DEFAULT_WORKER_NICE
    return max(0, min(step, _MAX_NICE))


def lower_this_thread() -> None:
    """Call first thing on a worker thread: lower its own priority (Linux; else nothing)."""
    step = worker_nice()
    if step == 0 or not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(current + step, _MAX_NICE))
    except OSError:  # a sandbox may refuse it: the download works the same
        pass
