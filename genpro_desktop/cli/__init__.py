"""The `genpro` command line: argparse + rich over the Qt-free core (see docs/cli.md)."""
