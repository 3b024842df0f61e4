"""`PreviewPlayer`: QMediaPlayer + QAudioOutput + QVideoSink behind a few plain methods.

The preview pane never touches Qt Multimedia directly. The facade says whether playback is
possible at all (`availability`), decodes into a `QVideoSink` so the pane can paint frames
itself (letterboxing and overlays stay under our control, and offscreen decoding works), and
adds what QMediaPlayer lacks: frame stepping while paused and exporting the shown frame.

Why the media objects are made by Qt's QML engine and not by Python: an object created from Python
is a PySide wrapper subclass whose virtual methods (`disconnectNotify`, ...) take the GIL. Qt's
FFmpeg backend deletes its renderers on its own media thread, and `~QObject` calls the sender's
`disconnectNotify` there while holding Qt's signal-slot lock; when the GUI thread is at that moment
inside `setSource`/`stop` (holding the GIL, waiting for that lock) the app hangs for good. The
player, audio output and sink below are built on the C++ side (`MediaPlayer`, `AudioOutput`,
`VideoSink` from the QtMultimedia QML module), so the media thread never needs the GIL; Python only
holds plain references to them and receives their signals queued on the GUI thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QImage, QImageWriter

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoSink

log = logging.getLogger(__name__)

DEFAULT_FRAME_RATE = 30.0
JPEG_QUALITY = 92


@dataclass(frozen=True)
class Availability:
    """Whether the preview can play video here, and if not, why (a sentence for the user)."""

    ok: bool
    reason: str = ""


def multimedia_availability() -> Availability:
    """Check that Qt Multimedia loads and has a backend that decodes MP4."""
    try:
        from PySide6.QtMultimedia import QMediaFormat
    except ImportError as exc:  # PySide6-Addons missing or broken
        return Availability(False, f"Qt Multimedia is not installed ({exc}).")
    formats = QMediaFormat().supportedFileFormats(QMediaFormat.ConversionMode.Decode)
    if QMediaFormat.FileFormat.MPEG4 not in formats:
        return Availability(False, "Qt Multimedia has no backend here that can decode MP4 video.")
    return Availability(True)


_NATIVE_PLAYER_QML = b"""
import QtMultimedia
MediaPlayer {
    audioOutput: AudioOutput {}
    videoOutput: VideoSink {}
}
"""


def _native_media_objects(
    owner: QObject,
) -> tuple[QMediaPlayer, QAudioOutput, QVideoSink] | None:
    """A player with its audio output and sink, all constructed in C++ and owned by `owner`.

    None when Qt's QML engine or its QtMultimedia module is not there (the caller then builds
    them from Python, which can hang as the module docstring explains).
    """
    try:
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoSink
        from PySide6.QtQml import QQmlComponent, QQmlEngine
    except ImportError as exc:
        log.warning("Qt QML is not available (%s); the preview player is built from Python", exc)
        return None
    engine = QQmlEngine()
    component = QQmlComponent(engine)
    component.setData(QByteArray(_NATIVE_PLAYER_QML), QUrl())
    created = component.create()
    player = created if isinstance(created, QMediaPlayer) else None
    audio = player.audioOutput() if player is not None else None
    sink = player.videoSink() if player is not None else None
    if player is None or not isinstance(audio, QAudioOutput) or not isinstance(sink, QVideoSink):
        log.warning(
            "Qt's QtMultimedia QML module did not load (%s); the preview player is built from "
            "Python",
            component.errorString().strip() or "no player",
        )
        if created is not None:
            created.deleteLater()
        engine.deleteLater()
        return None
    # Children are deleted in the order they were added: the player goes before its engine.
    player.setParent(owner)
    engine.setParent(owner)
    component.deleteLater()
    return player, audio, sink


def _python_media_objects(owner: QObject) -> tuple[QMediaPlayer, QAudioOutput, QVideoSink]:
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoSink

    player = QMediaPlayer(owner)
    audio = QAudioOutput(owner)
    sink = QVideoSink(owner)
    player.setAudioOutput(audio)
    player.setVideoSink(sink)
    return player, audio, sink


class PreviewPlayer(QObject):
    """Plays one local video into a sink; reports frames, position, state and errors."""

    frame_changed = Signal(QImage)  # the newest decoded frame as an image
    position_changed = Signal(int)  # ms
    duration_changed = Signal(int)  # ms
    playing_changed = Signal(bool)
    failed = Signal(str)  # a sentence for the user

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        native = _native_media_objects(self)
        self.native = native is not None  # True when Qt built the media objects in C++
        self._player, self._audio, self._sink = native or _python_media_objects(self)
        # Frames may be handed over on a media thread: queued, `_on_frame` runs on the GUI thread.
        # The player's own signals come from the GUI thread already (and stay synchronous).
        self._sink.videoFrameChanged.connect(self._on_frame, Qt.ConnectionType.QueuedConnection)
        self._player.positionChanged.connect(self._on_position)
        self._player.durationChanged.connect(self._on_duration)
        self._player.playbackStateChanged.connect(self._on_state)
        self._player.errorOccurred.connect(self._on_error)
        self._frame_image = QImage()
        self._frame_time_ms = -1
        self._source: Path | None = None

    # -- state -----------------------------------------------------------------------------

    @property
    def source(self) -> Path | None:
        """The file being played, if any."""
        return self._source

    @property
    def sink(self) -> QObject:
        """The QVideoSink frames are decoded into (tests watch its `videoFrameChanged`)."""
        return self._sink

    def media_objects(self) -> tuple[QObject, QObject, QObject]:
        """The QMediaPlayer, QAudioOutput and QVideoSink behind this facade (for tests)."""
        return self._player, self._audio, self._sink

    @property
    def current_image(self) -> QImage:
        """The newest frame (a null image before the first one)."""
        return self._frame_image

    @property
    def current_frame_ms(self) -> int:
        """Presentation time of the newest frame in ms (-1 before the first one)."""
        return self._frame_time_ms

    def position(self) -> int:
        """Playback position in ms."""
        return self._player.position()

    def duration(self) -> int:
        """The video's length in ms (0 until known)."""
        return self._player.duration()

    def is_playing(self) -> bool:
        """True while playing."""
        from PySide6.QtMultimedia import QMediaPlayer

        return self._player.playbackState() is QMediaPlayer.PlaybackState.PlayingState

    def frame_rate(self) -> float:
        """Frames per second from the file's metadata (30 when it does not say)."""
        from PySide6.QtMultimedia import QMediaMetaData

        value = self._player.metaData().value(QMediaMetaData.Key.VideoFrameRate)
        try:
            rate = float(value)  # pyright: ignore[reportArgumentType]
        except (TypeError, ValueError):
            return DEFAULT_FRAME_RATE
        return rate if rate > 0 else DEFAULT_FRAME_RATE

    # -- commands --------------------------------------------------------------------------

    def set_source(self, path: Path | None) -> None:
        """Load `path` (None unloads); loading does not block, frames arrive later."""
        self._player.stop()
        self._source = path
        self._frame_image = QImage()
        self._frame_time_ms = -1
        self._player.setSource(QUrl.fromLocalFile(str(path)) if path is not None else QUrl())

    def play(self) -> None:
        """Start or resume playback."""
        self._player.play()

    def pause(self) -> None:
        """Pause, keeping the current frame."""
        self._player.pause()

    def toggle(self) -> None:
        """Play when paused, pause when playing."""
        if self.is_playing():
            self.pause()
        else:
            self.play()

    def seek(self, position_ms: int) -> None:
        """Jump to `position_ms` (clamped to the video)."""
        from PySide6.QtMultimedia import QMediaPlayer

        duration = self.duration()
        upper = duration if duration > 0 else max(position_ms, 0)
        if (
            self._source is not None
            and self._player.playbackState() is QMediaPlayer.PlaybackState.StoppedState
        ):
            # After the end the player is stopped, and a stopped player moves its position
            # without decoding: the picture would stay frozen until Play. Paused, it decodes.
            self._player.pause()
        self._player.setPosition(max(0, min(int(position_ms), upper)))

    def step(self, frames: int) -> None:
        """Move `frames` frames forward (or back) while paused."""
        if self.is_playing():
            self.pause()
        frame_ms = 1000.0 / self.frame_rate()
        base = self._frame_time_ms if self._frame_time_ms >= 0 else self.position()
        # Aim at the middle of the wanted frame: the backend shows the frame that starts
        # before the position, so aiming at its start could land on the previous one.
        self.seek(round(base + frames * frame_ms + frame_ms / 2))

    def set_looping(self, looping: bool) -> None:
        """Loop forever, or play once."""
        from PySide6.QtMultimedia import QMediaPlayer

        self._player.setLoops(QMediaPlayer.Loops.Infinite if looping else QMediaPlayer.Loops.Once)

    def is_looping(self) -> bool:
        """True when the video loops."""
        from PySide6.QtMultimedia import QMediaPlayer

        return self._player.loops() == QMediaPlayer.Loops.Infinite

    def set_volume(self, volume: float) -> None:
        """Volume from 0.0 to 1.0."""
        self._audio.setVolume(max(0.0, min(1.0, volume)))

    def volume(self) -> float:
        """Volume from 0.0 to 1.0."""
        return self._audio.volume()

    def set_muted(self, muted: bool) -> None:
        """Mute or unmute."""
        self._audio.setMuted(muted)

    def export_frame(self, target: Path) -> bool:
        """Save the frame on screen as a JPEG at `target`; False when there is no frame."""
        if self._frame_image.isNull():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        writer = QImageWriter(str(target), QByteArray(b"jpeg"))
        writer.setQuality(JPEG_QUALITY)
        return writer.write(self._frame_image)

    # -- slots -----------------------------------------------------------------------------

    def _on_frame(self, frame: object) -> None:
        from PySide6.QtMultimedia import QVideoFrame

        if not isinstance(frame, QVideoFrame) or not frame.isValid():
            return
        image = frame.toImage()
        if image.isNull():
            return
        self._frame_image = image
        start_us = frame.startTime()
        self._frame_time_ms = start_us // 1000 if start_us >= 0 else self.position()
        self.frame_changed.emit(image)

    def _on_position(self, position: int) -> None:
        self.position_changed.emit(int(position))

    def _on_duration(self, duration: int) -> None:
        self.duration_changed.emit(int(duration))

    def _on_state(self, _state: object) -> None:
        self.playing_changed.emit(self.is_playing())

    def _on_error(self, _error: object, message: str) -> None:
        log.warning("video playback failed: %s", message)
        self.failed.emit(message or "The video could not be played.")
