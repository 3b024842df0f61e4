"""Deterministic demo data shaped like GEN's starter templates."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count
from typing import Any

from genpro_desktop.simulator.models import (
    DEFAULT_RENDER_FAILURE,
    AgentRec,
    CellRec,
    ColumnRec,
    EngineRec,
    LayerRec,
    OrgRec,
    RenderRec,
    RenderScript,
    RowRec,
)

ORG_ID = 301
AGENT_ID = 4711
# The demo agent as the clients spell it (ids are strings on the wire and on the command line).
DEMO_AGENT_ID = str(AGENT_ID)
ENGINE_IDS = (9101, 9102, 9103)
LARGE_ENGINE_ID = 9199
OPENING_CREDITS = Decimal("500")

# (title, type, column_role, cell_role): GEN's default template columns.
COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("TEXT 1", "text", "ingredient", "content"),
    ("TEXT 2", "text", "ingredient", "content"),
    ("PROMPT", "text", "ingredient", "content"),
    ("VIDEO", "video", "video", "video"),
    ("FINAL VIDEO", "video", "final_video", "final_video"),
    ("STATS", "stats", "stats", "stats"),
)
FINAL_VIDEO_POSITION = 5

# (slug, title, rows, row positions with earlier renders -> list of outcomes oldest first)
ENGINES: tuple[tuple[str, str, int, dict[int, tuple[str, ...]]], ...] = (
    ("tiktok-talking-avatar", "TikTok Talking Avatar", 5, {1: ("completed",), 2: ("completed",)}),
    ("tiktok-montage", "TikTok Montage", 4, {1: ("completed",), 2: ("failed",)}),
    # Several takes on one row, one of them failed: the user picks which take to post.
    ("tiktok-vo-broll", "TikTok VO B-roll", 6, {1: ("completed", "failed", "completed")}),
)

_HOOKS = (
    "Nobody tells you this about cold brew",
    "3 desk stretches you can do in a meeting",
    "I tried waking up at 5am for a week",
    "The cheapest way to learn a language",
    "Why your houseplants keep dying",
    "One pan, four dinners",
    "What a product designer actually does all day",
    "This budgeting rule changed everything",
)
_LINES = (
    "Start with the surprising fact, then show the proof.",
    "Keep it under 30 seconds and end on a question.",
    "Open on the result, rewind to the first step.",
    "Talk straight to camera, one idea per sentence.",
    "Cut every two seconds; captions carry the story.",
)
_PROMPTS = (
    "Bright kitchen, morning light, close-up of hands pouring coffee, vertical 9:16",
    "Minimal desk setup, slow push-in, soft shadows, vertical 9:16",
    "City street at golden hour, handheld, shallow depth of field",
    "Top-down shot of fresh ingredients on a wooden board",
    "Cozy living room with plants, gentle camera pan",
)


@dataclass
class Seed:
    """Everything the simulator starts with, plus the next free ids."""

    orgs: dict[int, OrgRec]
    agents: dict[int, AgentRec]
    engines: dict[int, EngineRec]
    renders: dict[int, RenderRec]
    uploads: set[str]
    ids: dict[str, count[int]] = field(default_factory=dict)
    user: dict[str, Any] = field(default_factory=dict)


def build_seed(seed: int, now: float, wall_epoch_s: float) -> Seed:
    """Build the demo data; `now` is the sim time, `wall_epoch_s` the matching wall time."""
    rng = random.Random(seed)
    col_ids, row_ids, cell_ids, layer_ids = count(20101), count(30101), count(41001), count(61001)
    gen_ids, output_ids = count(880001), count(4821)
    org = OrgRec(
        ORG_ID,
        str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "Demo Studio",
        OPENING_CREDITS,
        Decimal("120"),
    )
    agent = AgentRec(
        AGENT_ID,
        "Demo Creator",
        "Short vertical explainers for the demo workspace.",
        ORG_ID,
        "Europe/Berlin",
    )
    engines: dict[int, EngineRec] = {}
    renders: dict[int, RenderRec] = {}
    uploads: set[str] = set()
    created_s = int(wall_epoch_s) - 30 * 86400
    for index, (engine_id, (slug, title, n_rows, past)) in enumerate(
        zip(ENGINE_IDS, ENGINES, strict=True)
    ):
        ms = (created_s + index * 3600) * 1000
        engine = EngineRec(
            engine_id,
            AGENT_ID,
            title,
            slug,
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            is_default=index == 0,
            created_s=ms // 1000,
            cell_roles=index != 2,
        )
        engine.columns = [
            ColumnRec(next(col_ids), t, typ, role, pos, ms)
            for pos, (t, typ, role, _cell_role) in enumerate(COLUMNS, start=1)
        ]
        for position in range(1, n_rows + 1):
            row = RowRec(next(row_ids), position, ms + position * 60_000)
            hook = rng.choice(_HOOKS)
            values: dict[str, str | None] = {
                "TEXT 1": hook,
                "TEXT 2": rng.choice(_LINES),
                "PROMPT": rng.choice(_PROMPTS),
                "VIDEO": None,
                "FINAL VIDEO": None,
                "STATS": None,
            }
            for column, (_t, _typ, _role, cell_role) in zip(engine.columns, COLUMNS, strict=True):
                cell = CellRec(
                    next(cell_ids),
                    column.id,
                    row.id,
                    engine_id,
                    values[column.title],
                    cell_role if engine.cell_roles else None,
                    row.created_ms,
                    expose_column_id=engine.cell_roles,
                )
                if column.role == "video" and position <= 3:
                    cell.layers = _layers(cell.id, hook, layer_ids, row.created_ms, uploads)
                row.cells.append(cell)
            outcomes = past.get(position, ())
            final = row.cells[FINAL_VIDEO_POSITION - 1]
            for take, outcome in enumerate(outcomes):
                started = now - 86400.0 * (len(outcomes) - take + position)
                script = RenderScript(
                    outcome=outcome,
                    failed_reason=DEFAULT_RENDER_FAILURE if outcome == "failed" else None,
                )
                render = RenderRec(
                    next(gen_ids),
                    ORG_ID,
                    engine_id,
                    final.id,
                    next(output_ids),
                    started,
                    started,
                    script,
                    settled=True,
                )
                renders[render.id] = render
                final.job_ids.append(render.id)
            if "completed" in outcomes:
                row.cells[-1].value = f"{rng.randint(2, 90)}.{rng.randint(0, 9)}k views"
            engine.rows.append(row)
        engines[engine_id] = engine
        agent.engine_ids.append(engine_id)
    user = {
        "id": "usr_demo_7",
        "email": "demo@genpro.invalid",
        "name": "Demo User",
        "username": "demo",
        "created_at_s": created_s - 86400,
    }
    return Seed(
        {ORG_ID: org},
        {AGENT_ID: agent},
        engines,
        renders,
        uploads,
        ids={"generation": gen_ids, "output": output_ids, "user_job": count(138861)},
        user=user,
    )


def build_large_engine(rows: int, columns: int, created_s: int) -> EngineRec:
    """A `rows` x `columns` engine of text cells for benchmarks (not part of the normal demo).

    The last two columns are a final video and stats, like GEN's templates; ids live in their own
    ranges so they never collide with the seeded engines' or with ids handed out later.
    """
    if rows < 1 or columns < 3:
        raise ValueError("a large engine needs at least 1 row and 3 columns")
    roles = [("text", "ingredient", "content")] * (columns - 2)
    roles += [("video", "final_video", "final_video"), ("stats", "stats", "stats")]
    ms = created_s * 1000
    engine = EngineRec(
        LARGE_ENGINE_ID,
        AGENT_ID,
        f"Large engine ({rows} x {columns})",
        "large-engine",
        str(uuid.UUID(int=LARGE_ENGINE_ID, version=4)),
        is_default=False,
        created_s=created_s,
    )
    engine.columns = [
        ColumnRec(7_000_000 + pos, f"COLUMN {pos}", typ, role, pos, ms)
        for pos, (typ, role, _cell_role) in enumerate(roles, start=1)
    ]
    for position in range(1, rows + 1):
        row = RowRec(7_100_000 + position, position, ms + position * 1000)
        for column, (_typ, _role, cell_role) in zip(engine.columns, roles, strict=True):
            text = f"{_HOOKS[(position + column.position) % len(_HOOKS)]} ({position})"
            row.cells.append(
                CellRec(
                    8_000_000 + position * columns + column.position,
                    column.id,
                    row.id,
                    LARGE_ENGINE_ID,
                    text if cell_role == "content" else None,
                    cell_role,
                    row.created_ms,
                )
            )
        engine.rows.append(row)
    return engine


def _layers(
    cell_id: int, hook: str, ids: count[int], created_ms: int, uploads: set[str]
) -> list[LayerRec]:
    clip = f"uploads/clip_{cell_id}.mp4"
    uploads.add(clip)
    frames = 120  # 4 s at 30 fps, the length of the sample clip
    common: dict[str, Any] = {"from": 0, "durationInFrames": frames, "totalDuration": frames}
    return [
        LayerRec(
            next(ids),
            "B-roll",
            "clip",
            0,
            {
                **common,
                "src": clip,
                "videoStartTime": 0,
                "width": 1080,
                "height": 1920,
                "styles": {"volume": 0.2, "objectFit": "cover"},
            },
            created_ms,
        ),
        LayerRec(
            next(ids),
            "Voice-over",
            "sound",
            1,
            {
                **common,
                "src": clip,
                "startFromSound": 0,
                "styles": {"volume": 1.0},
            },
            created_ms,
        ),
        LayerRec(
            next(ids),
            "Hook",
            "text",
            2,
            {
                **common,
                "durationInFrames": 45,
                "content": hook,
                "top": 220,
                "left": 80,
                "styles": {"fontSize": 64, "fontWeight": 800, "color": "#ffffff"},
            },
            created_ms,
        ),
        LayerRec(
            next(ids),
            "Captions",
            "caption",
            3,
            {
                **common,
                "template": "bold-pop",
                "captions": [
                    {
                        "text": hook,
                        "startMs": 0,
                        "endMs": 4000,
                        "words": [
                            {"word": w, "startMs": i * 400, "endMs": i * 400 + 380}
                            for i, w in enumerate(hook.split())
                        ],
                    }
                ],
            },
            created_ms,
        ),
    ]
