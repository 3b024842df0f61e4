"""simulate: serve the GEN simulator on 127.0.0.1 until Ctrl-C (for the app, scripts, demos)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from genpro_desktop.cli.context import Context
from genpro_desktop.cli.exit_codes import ExitCode, usage_error


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535, got {value}")
    return value


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 1000:
        raise argparse.ArgumentTypeError(f"speed must be in (0, 1000], got {text!r}")
    return value


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add simulate."""
    p = subparsers.add_parser(
        "simulate",
        parents=parents,
        help="serve the GEN simulator on 127.0.0.1 until Ctrl-C",
        description="Serve the built-in GEN simulator on 127.0.0.1 until Ctrl-C, and print its "
        "base URL and demo key. It has one workspace with 500 credits, agent 4711 and three "
        "engines; renders take 8 simulated seconds. Point the CLI or the app at it with "
        "--base-url and GEN_API_KEY.",
    )
    p.add_argument("--port", type=_port, default=0, help="TCP port (default: any free port)")
    p.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        help="simulated seconds per real second (default 1; 4 makes a render take 2 s)",
    )
    p.set_defaults(handler=run_simulate)


async def _until_cancelled(base_url: str) -> None:
    await asyncio.Event().wait()


async def run_simulate(ctx: Context, args: argparse.Namespace) -> int:
    """`genpro simulate`: serve until Ctrl-C; exit 0 when stopped that way."""
    # Imported here: aiohttp is only needed when the simulator runs.
    from genpro_desktop.simulator import RealClock, Simulator

    simulator = Simulator(clock=RealClock(speed=args.speed))
    simulator.state.schedule_demo_renders_elsewhere()
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def on_ready(base_url: str) -> None:
        if not ready.done():
            ready.set_result(base_url)

    server = asyncio.create_task(simulator.serve(port=args.port, on_ready=on_ready))
    try:
        await asyncio.wait({server, ready}, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            exc = server.exception()
            raise usage_error(f"Could not start the simulator on port {args.port}: {exc}")
        base_url = ready.result()
        _announce(ctx, base_url, simulator.cdn_base_url)
        wait = ctx.runtime.serve_until_interrupted or _until_cancelled
        try:
            await wait(base_url)
        except asyncio.CancelledError:
            # Ctrl-C is how `simulate` is meant to end: clean up and exit 0, not 130.
            current = asyncio.current_task()
            if current is not None:
                current.uncancel()
    finally:
        server.cancel()
        # Collects the server's end (cancelled, or the bind error already reported above).
        await asyncio.gather(server, return_exceptions=True)
    ctx.out.info("Simulator stopped.")
    return ExitCode.OK


def _announce(ctx: Context, base_url: str, cdn_base_url: str) -> None:
    from genpro_desktop.simulator import DEMO_AGENT_ID, DEMO_API_KEY

    ctx.out.emit(
        {
            "base_url": base_url,
            "cdn_base_url": cdn_base_url,
            "api_key": DEMO_API_KEY,
            "agent_id": DEMO_AGENT_ID,
        }
    )
    ctx.out.result(f"GEN simulator serving at {base_url}")
    ctx.out.result(f"Demo API key: {DEMO_API_KEY}   Agent: {DEMO_AGENT_ID}")
    ctx.out.info(
        f"Try: GEN_API_KEY={DEMO_API_KEY} genpro --base-url {base_url} --agent {DEMO_AGENT_ID} "
        "engines"
    )
    ctx.out.info("Press Ctrl-C to stop.")
