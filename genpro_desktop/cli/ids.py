"""One rule for every id typed on the command line, checked before anything is sent or recorded.

GEN's ids are opaque strings (numbers in the docs' examples, uuids, "abc123"-style agent ids),
so the rule is about safety, not shape: one token of letters, digits and `_ . : -`, starting
with a letter or digit (so `-1` or `--x` is never taken for an id), at most 100 characters.
Engine ids follow the stricter rule of `engines --add` (a number, a uuid, or a gen.pro link)
in every command that takes one.
"""

from __future__ import annotations

import argparse
import re

from genpro_desktop.core.engine_reference import parse_engine_reference

MAX_ID_LENGTH = 100
_GEN_ID = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9_.:-]{{0,{MAX_ID_LENGTH - 1}}}$")


def gen_id(text: str) -> str:
    """An argparse type: a GEN id (agent, cell, generation, user job), else a usage error."""
    value = text.strip()
    if not _GEN_ID.match(value):
        raise argparse.ArgumentTypeError(
            f"not a GEN id: {text!r} (ids are letters, digits, '-', '_', '.' or ':', start "
            f"with a letter or digit and have at most {MAX_ID_LENGTH} characters)"
        )
    return value


def engine_id(text: str) -> str:
    """An argparse type: an engine id from a number, a uuid or a gen.pro link."""
    found = parse_engine_reference(text)
    if found is None:
        raise argparse.ArgumentTypeError(
            f"not an engine id or a gen.pro link to an engine: {text!r} (pass the number from "
            "the engine's address in the GEN app, or the whole link)"
        )
    return found
