"""What the browser shows: the agent's engines and one engine as a plain rows x columns grid.

Qt-free, so the desktop app's table model and the CLI's `engine` table read the same grid.
GEN documents no route that lists an agent's engines (gen-api.md 5.5), so the listing falls back
to the engines the user saved plus the agent's setup engine, and says where each entry came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from genpro_desktop.core.api import MissingAgentError

if TYPE_CHECKING:
    # Annotations only: the desktop app imports this module before its first paint, and the
    # API types would bring pydantic along.
    from genpro_desktop.core.api import Cell, Column, Engine, GenClient, Generation, JobStatus, Row

EngineSource = Literal["server", "setup", "saved"]

_SOURCE_LABELS: dict[EngineSource, str] = {
    "server": "listed by GEN",
    "setup": "the agent's setup engine",
    "saved": "saved by you",
}

_MEDIA_TYPES = {"video", "image", "audio"}


@dataclass(frozen=True)
class EngineEntry:
    """One engine in the browser's list."""

    engine_id: str
    title: str
    source: EngineSource

    @property
    def source_label(self) -> str:
        """Where this entry came from, in words."""
        return _SOURCE_LABELS[self.source]


@dataclass(frozen=True)
class EngineListing:
    """The engines to show, and whether the server itself could list them."""

    entries: list[EngineEntry]
    server_lists_engines: bool


async def list_engines(
    client: GenClient, *, agent_id: str | None = None, saved: Iterable[str] = ()
) -> EngineListing:
    """List the agent's engines: the server's list when it has one, else setup + saved engines."""
    listed = await client.engines.list(agent_id=agent_id)
    entries: list[EngineEntry] = []
    seen: set[str] = set()
    if listed is not None:
        for summary in listed:
            title = summary.title or f"Engine {summary.id}"
            entries.append(EngineEntry(summary.id, title, "server"))
            seen.add(summary.id)
    else:
        agent = await client.agents.get(agent_id or _require_agent(client))
        if agent.agent_setup_project_id and agent.agent_setup_project_id not in seen:
            setup_id = agent.agent_setup_project_id
            entries.append(EngineEntry(setup_id, f"Engine {setup_id}", "setup"))
            seen.add(setup_id)
    for engine_id in saved:
        if engine_id not in seen:
            entries.append(EngineEntry(engine_id, f"Engine {engine_id}", "saved"))
            seen.add(engine_id)
    return EngineListing(entries=entries, server_lists_engines=listed is not None)


def _require_agent(client: GenClient) -> str:
    if client.agent_id is None:
        raise MissingAgentError()
    return client.agent_id


@dataclass(frozen=True)
class GridColumn:
    """A column header: title, content type, role, and whether it holds the final video."""

    column_id: str
    title: str
    type: str
    role: str | None

    @property
    def is_final_video(self) -> bool:
        """True for the column whose cells are rendered."""
        return self.role == "final_video"


@dataclass(frozen=True)
class GridCell:
    """One cell as the grid shows it."""

    cell_id: str | None
    value: str | None
    media_type: str | None
    take_status: JobStatus | None
    take_raw_status: str | None

    @property
    def display_text(self) -> str:
        """Short text for the grid: the value, or what the media cell holds."""
        parts: list[str] = []
        if self.media_type is not None and self.value:
            parts.append(f"[{self.media_type}]")
        elif self.value:
            parts.append(self.value if len(self.value) <= 80 else self.value[:77] + "...")
        if self.take_status is not None:
            parts.append(f"({self.take_status_text})")
        return " ".join(parts)

    @property
    def take_status_text(self) -> str:
        """The current take's status, showing the raw value when GEN sent one we don't know."""
        if self.take_status is None:
            return ""
        from genpro_desktop.core.api import JobStatus  # loaded already: the take came with it

        if self.take_status is JobStatus.UNKNOWN:
            return f"unknown: {self.take_raw_status}"
        return self.take_status.value

    @property
    def tooltip(self) -> str:
        """The full value and the take status, for hover."""
        lines = [self.value or "(empty)"]
        if self.take_status is not None:
            lines.append(f"Current take: {self.take_status_text}")
        if self.cell_id is not None:
            lines.append(f"Cell {self.cell_id}")
        return "\n".join(lines)


@dataclass(frozen=True)
class GridRow:
    """One row: its cells in column order and the id of its final-video cell."""

    row_id: str
    cells: list[GridCell]
    final_video_cell_id: str | None

    @property
    def text(self) -> str:
        """The row's text cells in column order (media and empty cells left out), e.g. for a
        render's title."""
        values = (cell.value.strip() for cell in self.cells if cell.value and not cell.media_type)
        return " · ".join(value for value in values if value)


@dataclass(frozen=True)
class EngineGrid:
    """An engine laid out for display."""

    engine_id: str | None
    title: str
    columns: list[GridColumn]
    rows: list[GridRow]

    @classmethod
    def empty(cls) -> EngineGrid:
        """A grid with nothing in it."""
        return cls(engine_id=None, title="", columns=[], rows=[])


def build_grid(engine: Engine) -> EngineGrid:
    """Lay `engine` out as rows x columns, matching cells to columns as well as GEN allows."""
    columns = sorted(engine.spreadsheet_columns, key=lambda c: (c.position is None, c.position))
    grid_columns = [
        GridColumn(column_id=c.id, title=c.title or "", type=c.type or "", role=c.column_role)
        for c in columns
    ]
    rows = sorted(engine.spreadsheet_rows, key=lambda r: (r.position is None, r.position))
    grid_rows = [_grid_row(engine, row, columns) for row in rows]
    return EngineGrid(
        engine_id=engine.id, title=engine.title or "", columns=grid_columns, rows=grid_rows
    )


def _grid_row(engine: Engine, row: Row, columns: Sequence[Column]) -> GridRow:
    cells = _cells_in_column_order(row, columns)
    grid_cells = [_grid_cell(cell, column) for cell, column in zip(cells, columns, strict=True)]
    final = engine.final_video_cell(row)
    return GridRow(row_id=row.id, cells=grid_cells, final_video_cell_id=final.id if final else None)


def _cells_in_column_order(row: Row, columns: Sequence[Column]) -> list[Cell | None]:
    """Cells matched by `column_id` where GEN sends one, otherwise by position order."""
    by_column = {cell.column_id: cell for cell in row.spreadsheet_cells if cell.column_id}
    if by_column:
        return [by_column.get(column.id) for column in columns]
    ordered: list[Cell | None] = list(row.spreadsheet_cells[: len(columns)])
    ordered.extend([None] * (len(columns) - len(ordered)))
    return ordered


def _grid_cell(cell: Cell | None, column: Column) -> GridCell:
    if cell is None:
        return GridCell(None, None, None, None, None)
    take: Generation | None = cell.default_user_job
    media_type = column.type if column.type in _MEDIA_TYPES else None
    return GridCell(
        cell_id=cell.id,
        value=cell.value,
        media_type=media_type,
        take_status=take.status if take is not None else None,
        take_raw_status=take.raw_status if take is not None else None,
    )
