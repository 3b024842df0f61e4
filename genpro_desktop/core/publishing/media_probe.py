"""Reading a local video's properties with PyAV (FFmpeg), for the platform video checks.

`probe_video` blocks (it opens and parses the file): call `probe_video_async` from the event
loop, which runs it in a worker thread. PyAV is imported on first use, not with the package.
Width and height are as displayed: a phone video stored landscape with a 90 degree display
rotation counts as portrait.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.stream import VideoStream


class MediaProbeError(Exception):
    """The file could not be read as a video; `str(e)` is a sentence for the user."""


@dataclass(frozen=True)
class VideoInfo:
    """What the platform checks need to know about a video file."""

    size_bytes: int
    duration_s: float | None
    width: int | None
    height: int | None
    fps: float | None
    codec: str | None  # FFmpeg's name: h264, hevc, vp9, ...
    container: str | None


def probe_video(path: Path) -> VideoInfo:
    """Open `path` with FFmpeg and read its first video stream (blocking)."""
    import av
    from av.error import FFmpegError

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise MediaProbeError(f"Could not read {path.name}: {exc.strerror}.") from exc
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise MediaProbeError(f"{path.name} has no video track.")
            stream = container.streams.video[0]
            duration: float | None = None
            if container.duration is not None:
                duration = container.duration / av.time_base
            elif stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            rate = stream.average_rate or stream.guessed_rate
            context = stream.codec_context
            width, height = context.width or None, context.height or None
            if _quarter_turn(container, stream):
                width, height = height, width
            return VideoInfo(
                size_bytes=size,
                duration_s=duration,
                width=width,
                height=height,
                fps=float(rate) if rate else None,
                codec=context.name or None,
                container=container.format.name or None,
            )
    except FFmpegError as exc:
        raise MediaProbeError(f"{path.name} is not a video FFmpeg can read.") from exc


def _quarter_turn(container: InputContainer, stream: VideoStream) -> bool:
    """Whether the first frame is displayed rotated by 90 or 270 degrees."""
    from av.error import FFmpegError

    try:
        frame = next(container.decode(stream), None)
    except FFmpegError:
        return False
    rotation = int(getattr(frame, "rotation", 0) or 0) if frame is not None else 0
    return rotation % 180 != 0


async def probe_video_async(path: Path) -> VideoInfo:
    """`probe_video` in a worker thread (never block the event loop on a file)."""
    return await asyncio.to_thread(probe_video, path)
