"""The renders GEN already has for an engine's final-video cells, and the ones started elsewhere.

Qt-free, so the desktop app's engine view and the CLI's `engine` / `renders` read the same thing.
GEN has no route that lists renders (gen-api.md 8.3): a final-video cell's `user_jobs` is its
render history and `default_user_job` the take it shows (5.4). Both are read tolerantly: either
may be missing, null or partly filled; takes GEN sent without an id are skipped by the client.
Generations carry no documented creation time, so takes are ordered newest first by the time
GEN sends (`created_at` / `created_at_ts`) where it sends one, else by their order in
`user_jobs`, where GEN appends each new take.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from genpro_desktop.core.api import Engine, GenClient, Generation, JobStatus, Row

__all__ = [
    "RenderTake",
    "RowRenders",
    "decimal_text",
    "engine_renders",
    "foreign_renders",
    "list_renders",
    "render_takes",
]

_OLDEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class RenderTake:
    """One render of a row's final-video cell, as GEN reports it."""

    engine_id: str
    row: int  # 1-based, in the engine's row order (as `genpro engine` numbers rows)
    row_id: str
    cell_id: str
    generation_id: str
    status: JobStatus
    raw_status: str | None
    url: str | None
    thumbnail_url: str | None
    created_at: datetime | None
    execution_cost: Decimal | None
    failed_reason: str | None
    is_current: bool  # the take GEN shows in the cell (`default_user_job`)

    @classmethod
    def of(
        cls,
        gen: Generation,
        engine_id: str,
        row: int,
        row_id: str,
        cell_id: str,
        *,
        is_current: bool,
    ) -> RenderTake:
        """The take a generation GEN reported is, in that engine's row and cell."""
        return cls(
            engine_id=engine_id,
            row=row,
            row_id=row_id,
            cell_id=cell_id,
            generation_id=gen.id,
            status=gen.status,
            raw_status=gen.raw_status,
            url=gen.video_url,
            thumbnail_url=gen.thumbnail_url,
            created_at=gen.created_at,
            execution_cost=gen.execution_cost,
            failed_reason=gen.failed_reason,
            is_current=is_current,
        )

    @property
    def status_text(self) -> str:
        """The status, with GEN's own word when it sent one we don't know."""
        if self.status.value == "unknown":
            return f"unknown: {self.raw_status}"
        return self.status.value

    @property
    def has_video(self) -> bool:
        """True for a completed take with a video URL (previewable, downloadable, postable)."""
        return self.status.value == "completed" and bool(self.url)

    def to_json(self) -> dict[str, Any]:
        """The `genpro renders --json` object (fields fixed by issue 18)."""
        return {
            "engine_id": self.engine_id,
            "row": self.row,
            "cell_id": self.cell_id,
            "generation_id": self.generation_id,
            "status": self.status.value,
            "url": self.url,
            "thumbnail_url": self.thumbnail_url,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "execution_cost": decimal_text(self.execution_cost),
        }


@dataclass(frozen=True)
class RowRenders:
    """A row's final-video cell and its takes, newest first."""

    engine_id: str
    row: int
    row_id: str
    cell_id: str | None
    takes: list[RenderTake]

    @property
    def latest(self) -> RenderTake | None:
        """The newest take of any status."""
        return self.takes[0] if self.takes else None

    @property
    def current(self) -> RenderTake | None:
        """The take GEN shows in the cell, else the newest."""
        return next((t for t in self.takes if t.is_current), self.latest)

    @property
    def latest_video(self) -> RenderTake | None:
        """The newest take with a finished video (what "Render again?" warns about)."""
        return next((t for t in self.takes if t.has_video), None)


def engine_renders(engine: Engine) -> list[RowRenders]:
    """Every row of `engine` with its final-video cell's takes, rows in display order."""
    rows = sorted(engine.spreadsheet_rows, key=lambda r: (r.position is None, r.position or 0))
    return [_row_renders(engine, row, number) for number, row in enumerate(rows, start=1)]


def render_takes(engine: Engine, *, cell_id: str | None = None) -> list[RenderTake]:
    """All takes of the engine's final-video cells (or of one cell), newest first."""
    takes = [
        take
        for row in engine_renders(engine)
        if cell_id is None or row.cell_id == cell_id
        for take in row.takes
    ]
    return _newest_first(takes)


async def list_renders(
    client: GenClient, engine_id: str, *, agent_id: str | None = None, cell_id: str | None = None
) -> list[RenderTake]:
    """Read the engine once (a GET) and return its renders newest first."""
    engine = await client.engines.get(engine_id, agent_id=agent_id)
    return render_takes(engine, cell_id=cell_id)


def foreign_renders(engine: Engine, known_remote_ids: Iterable[str]) -> list[RenderTake]:
    """Takes of `engine` whose generation id is not in `known_remote_ids`, newest first.

    The caller (the watcher) decides which of them to adopt; this only reads."""
    known = {str(remote_id) for remote_id in known_remote_ids}
    return [take for take in render_takes(engine) if take.generation_id not in known]


# -- internals ------------------------------------------------------------------------------


def _row_renders(engine: Engine, row: Row, number: int) -> RowRenders:
    cell = engine.final_video_cell(row)
    if cell is None:
        return RowRenders(engine.id, number, row.id, None, [])
    current = cell.default_user_job
    history: list[Generation] = list(cell.user_jobs)
    if current is not None and all(g.id != current.id for g in history):
        history.append(current)  # GEN showed a take its history does not list
    seen: set[str] = set()
    ordered: list[tuple[datetime, int, Generation]] = []
    for index, generation in enumerate(history):
        if generation.id in seen:
            continue
        seen.add(generation.id)
        ordered.append((generation.created_at or _OLDEST, index, generation))
    ordered.sort(key=lambda item: (item[0], item[1]), reverse=True)
    current_id = current.id if current is not None else None
    takes = [
        RenderTake.of(g, engine.id, number, row.id, cell.id, is_current=g.id == current_id)
        for _, _, g in ordered
    ]
    return RowRenders(engine.id, number, row.id, cell.id, takes)


def _newest_first(takes: list[RenderTake]) -> list[RenderTake]:
    """Across rows: by GEN's time where known; takes without one keep their row order."""
    indexed = list(enumerate(takes))
    indexed.sort(key=lambda item: (item[1].created_at or _OLDEST, -item[0]), reverse=True)
    return [take for _, take in indexed]


def decimal_text(value: Decimal | None) -> str | None:
    """A Decimal as plain text without exponent noise ("47.5", "500"), or None (the CLI prints
    credits and costs with it too)."""
    if value is None:
        return None
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
