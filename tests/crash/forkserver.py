"""A warm `genpro` for the crash loops: one interpreter imports the CLI once, then forks a fresh
process per run, so each run costs a fork instead of a Python start and ~0.8 s of imports.

Run as `python forkserver.py SOCKET`; it prints "ready" on stdout once the imports are done and
listens on the Unix SOCK_SEQPACKET socket SOCKET. One connection is one `genpro` run:

    client -> server   {"argv": [...], "env": {...}, "cwd": "..."} with fds (stdin, stdout, stderr)
    server -> client   {"pid": N}          the forked `genpro` process (SIGKILL it by pid)
    client -> server   "kill"              (optional) SIGKILL it now
    server -> client   {"returncode": R}   once it ended: its exit code, or -signal like Popen

For every connection the server forks a waiter, and the waiter forks the `genpro` process and
reaps it: it is the only one that kills or reaps that pid, so a kill never hits a reused pid.
Every process is waited for, so `time`/getrusage of the test session counts the runs' CPU.
The `genpro` process is a plain child of a pristine interpreter (no thread, no event loop, no
open file was ever started before the fork): it sets its environment, working folder and stdio,
runs `genpro_desktop.cli.main.main()` and ends the way `python -m genpro_desktop.cli` does (see
_shut_down for the one shortcut). Linux only (fork, pidfd); elsewhere crashkit starts
`python -m genpro_desktop.cli` instead.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import io
import json
import os
import pkgutil
import select
import signal
import socket
import sys
import threading
import time
import traceback
from typing import Any, NoReturn

# The CLI and everything its commands import lazily (all of the CLI and the core; not the GUI),
# loaded once here instead of in every run. A module's `__main__` would run it: never imported.
PRELOAD_PACKAGES = ("genpro_desktop.cli", "genpro_desktop.core")
MAX_MESSAGE = 1 << 20
_SERVER_STDIO: list[Any] = []


def _send(conn: socket.socket, obj: dict[str, Any]) -> None:
    conn.send(json.dumps(obj).encode())


def _stdio(fd: int, like: Any) -> io.TextIOWrapper:
    """A text stream on `fd` set up the way CPython set up `like` (this interpreter's own stdio,
    started with the same environment): same encoding and errors, PYTHONUNBUFFERED honoured."""
    writing = fd != 0
    raw = io.FileIO(fd, "wb" if writing else "rb", closefd=False)
    unbuffered = writing and bool(os.environ.get("PYTHONUNBUFFERED"))
    # (A buffer made and dropped would close `raw` when freed: build only the one used.)
    binary: Any = raw
    if not unbuffered:
        binary = io.BufferedWriter(raw) if writing else io.BufferedReader(raw)
    return io.TextIOWrapper(
        binary,
        encoding=like.encoding,
        errors=like.errors,
        line_buffering=fd == 2 and not unbuffered,
        write_through=unbuffered,
    )


def _become_genpro(request: dict[str, Any], fds: list[int]) -> None:
    """In the forked `genpro` process: take the run's stdio, environment and folder."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    os.chdir(request["cwd"])
    sys.argv = list(request["argv"])
    like = (sys.__stdin__, sys.__stdout__, sys.__stderr__)
    # Kept alive: freeing the server's own stdio objects would close fds 0-2, now the run's.
    _SERVER_STDIO.extend(like)
    sys.stdin = sys.__stdin__ = _stdio(0, like[0])
    sys.stdout = sys.__stdout__ = _stdio(1, like[1])
    sys.stderr = sys.__stderr__ = _stdio(2, like[2])


def _wait_for(conn: socket.socket, pid: int) -> int:
    """In the waiter: report `pid`, kill it on request (or when the client went away), reap it."""
    pidfd = os.pidfd_open(pid)
    _send(conn, {"pid": pid})
    readable, _, _ = select.select([conn, pidfd], [], [])
    if pidfd not in readable:  # "kill", or the client is gone: either way it must end now
        os.kill(pid, signal.SIGKILL)  # not reaped yet, so the pid is still this child's
        # Read what was sent: a Unix socket closed with unread data resets the client's end.
        conn.recv(MAX_MESSAGE)
    _, status = os.waitpid(pid, 0)
    os.close(pidfd)
    return os.waitstatus_to_exitcode(status)


def _reap(block: bool) -> None:
    """Reap ended waiters (waited for, so their CPU time is counted in the server's and thus the
    test session's resource usage, like a subprocess's)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _serve(listener: socket.socket) -> tuple[dict[str, Any], list[int]] | None:
    """Accept runs until stdin closes; returns in a forked `genpro` process (with its request)."""
    while True:
        readable, _, _ = select.select([listener, sys.stdin], [], [])
        _reap(block=False)
        if sys.stdin in readable:
            _reap(block=True)
            return None  # the test session ended (or died): stop
        conn, _ = listener.accept()
        if os.fork():
            conn.close()
            continue
        # The waiter.
        listener.close()
        message, fds, _, _ = socket.recv_fds(conn, MAX_MESSAGE, 3)
        request = json.loads(message)
        pid = os.fork()
        if pid == 0:
            conn.close()
            return request, fds
        for fd in fds:
            os.close(fd)
        try:
            _send(conn, {"returncode": _wait_for(conn, pid)})
        finally:
            os._exit(0)


def _run_genpro() -> int:
    """Run the CLI as `python -m genpro_desktop.cli` would; returns the process exit status."""
    from genpro_desktop.cli.main import main

    try:
        return main()
    except SystemExit as exc:  # what the interpreter makes of SystemExit at the top level
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()
        return 1


def _shut_down(status: int) -> NoReturn:
    """End the run as interpreter shutdown would, minus freeing every object one by one.

    That freeing writes to every page inherited from the server, which the kernel then copies:
    ~0.5 s a run. Everything else a run could depend on is kept: non-daemon threads are joined,
    atexit handlers run (logging's flush among them), unreachable objects are finalized (a
    never-awaited coroutine still warns on stderr), stdio is flushed.
    """
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()  # the handlers Py_Finalize would run
    gc.collect()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


def _main() -> None:
    for package in PRELOAD_PACKAGES:
        path = importlib.import_module(package).__path__
        for module in pkgutil.walk_packages(path, f"{package}."):
            if not module.name.endswith(".__main__"):
                importlib.import_module(module.name)
    gc.freeze()  # what was loaded stays shared with every run instead of being scanned in each
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(sys.argv[1])
    listener.listen(64)
    print("ready", flush=True)
    served = _serve(listener)
    if served is None:
        return
    _become_genpro(*served)
    _shut_down(_run_genpro())


if __name__ == "__main__":
    _main()
