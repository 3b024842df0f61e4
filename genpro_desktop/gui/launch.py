"""What `genpro-desktop` was asked to do: its command line, read into `LaunchOptions`.

Its own floor so that both the app (`gui/app.py`) and the self-test (`gui/self_test.py`, which
the app starts) can read the options without importing each other.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

import genpro_desktop


@dataclass
class LaunchOptions:
    """What the command line asked for."""

    demo: bool = False
    base_url: str | None = None
    agent_id: str | None = None
    smoke: bool = False
    self_test: bool = False


class PrintVersion(argparse.Action):
    """`--version`: reads the version only when asked for (reading it slows every start-up)."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> NoReturn:
        print(f"genpro-desktop {genpro_desktop.__version__}")
        parser.exit()


def parse_args(argv: Sequence[str]) -> LaunchOptions:
    """Parse `genpro-desktop` options."""
    parser = argparse.ArgumentParser(
        prog="genpro-desktop",
        description="Render, preview and publish GEN Auto Content Engine videos.",
    )
    parser.add_argument(
        "--demo", action="store_true", help="run on the built-in GEN simulator (no key, no credits)"
    )
    parser.add_argument(
        "--base-url",
        default=None,
        help="GEN API base URL (https, or http on loopback only); overrides Settings",
    )
    parser.add_argument(
        "--agent", default=None, help="agent id (default: GEN_AGENT_ID, or the demo's agent)"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="start, load the engine list, print how many engines were found, and exit",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="with --demo: render, download, preview, publish headlessly; exit 0 when all worked",
    )
    parser.add_argument(
        "--version", action=PrintVersion, help="show program's version number and exit"
    )
    args = parser.parse_args(list(argv))
    return LaunchOptions(
        demo=args.demo,
        base_url=args.base_url,
        agent_id=args.agent,
        smoke=args.smoke,
        self_test=args.self_test,
    )
