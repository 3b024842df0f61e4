"""The argparse tree: global options (accepted before or after the command) and subcommands."""

from __future__ import annotations

import argparse
from typing import NoReturn

from genpro_desktop.cli.exit_codes import usage_error
from genpro_desktop.cli.ids import gen_id

DESCRIPTION = """\
Render, download and publish GEN Auto Content Engine videos from the terminal.

The API key comes from GEN_API_KEY, else from the OS keyring (`genpro login`); it is never
printed, logged or written to any file. The agent comes from --agent, else
GEN_AGENT_ID, else the saved default (`genpro agents --set-default ID`; `genpro login` saves the
only agent when the account has exactly one)."""

EPILOG = """\
environment:
  GEN_API_KEY        API key (takes precedence over the keyring)
  GEN_API_BASE_URL   API base URL (default https://api.gen.pro/v1)
  GEN_AGENT_ID       agent id (takes precedence over the saved default)
  GENPRO_DATA_DIR    keep every local file (job history, settings, logs) in this one folder

exit codes:
  0 success          1 job failed/stopped    2 usage error or local refusal
  3 no/rejected key  4 API refused request   5 API unreachable or failing
  6 download failed verification             7 outcome unknown (nothing re-sent)
  8 --timeout elapsed                        70 internal error   130 interrupted
  141 stdout closed by its reader            143 terminated (SIGTERM)

--json: stdout carries one JSON object per line and nothing else; messages go to stderr.
Run `genpro --demo engines` to try everything against the built-in simulator, no key needed.
Full reference: docs/cli.md."""

PREFIXES = ("auto", "vidsheet", "autocontentengine")


class CliArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors become CliError (exit 2) instead of exiting itself."""

    def error(self, message: str) -> NoReturn:
        """Raise a usage error carrying this (sub)parser's usage line as the hint."""
        raise usage_error(message[:1].upper() + message[1:] + ".", hint=self.format_usage().strip())


def _add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Add the global options; on subcommands they default to SUPPRESS so they never override."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("global options (before or after the command)")
    group.add_argument(
        "--base-url",
        metavar="URL",
        default=default(None),
        help="API base URL (env GEN_API_BASE_URL; default https://api.gen.pro/v1); "
        "http:// is refused except for loopback hosts",
    )
    group.add_argument(
        "--agent",
        metavar="AGENT_ID",
        type=gen_id,
        default=default(None),
        help="agent to act as (env GEN_AGENT_ID; else the saved default)",
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="machine-readable output: one JSON object per line on stdout",
    )
    group.add_argument(
        "--demo",
        action="store_true",
        default=default(False),
        help="run against the built-in simulator (demo key, agent 4711; settings not saved)",
    )
    group.add_argument(
        "--prefix",
        choices=PREFIXES,
        default=default("auto"),
        help="engine route prefix: auto (try vidsheet, then autocontentengine) or a fixed one",
    )


def build_parser() -> CliArgumentParser:
    """The full `genpro` parser; each subparser sets `handler` to an async command function."""
    # Imported here so `parser` stays importable by the command modules' type hints.
    from genpro_desktop.cli.commands import (
        account,
        engines,
        jobs,
        posts,
        publishing,
        render_history,
        renders,
        simulate,
    )

    parser = CliArgumentParser(
        prog="genpro",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from genpro_desktop import __version__

    parser.add_argument("--version", action="version", version=f"genpro {__version__}")
    _add_global_options(parser, suppress=False)
    common = CliArgumentParser(add_help=False)
    _add_global_options(common, suppress=True)
    subparsers = parser.add_subparsers(
        title="commands",
        dest="command",
        metavar="COMMAND",
        required=True,
        parser_class=CliArgumentParser,
    )
    for module in (account, engines, renders, render_history, publishing, posts, jobs, simulate):
        module.register(subparsers, [common])
    return parser
