"""The preview pane: the render's video with player controls, or a placeholder saying why not.

It receives a `PreviewPlayer` (never a QMediaPlayer). Keys while it has focus: Space plays and
pauses, Left/Right step one frame while paused, F toggles full screen, Esc leaves it.
"Set as cover" exports the frame on screen as a JPEG and reports its time and file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QRect, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from genpro_desktop.gui.player.player import Availability, PreviewPlayer
from genpro_desktop.gui.preview.video_canvas import VideoCanvas

UrlOpener = Callable[[QUrl], object]
PLAYER_PAGE = 0
PLACEHOLDER_PAGE = 1


_W = TypeVar("_W", bound=QWidget)


def _named(widget: _W, name: str, *, checkable: bool = False) -> _W:
    widget.setObjectName(name)
    if checkable and isinstance(widget, QAbstractButton):
        widget.setCheckable(True)
    return widget


def _tool(text: str, name: str, *, checkable: bool = False) -> QToolButton:
    button = _named(QToolButton(), name, checkable=checkable)
    button.setText(text)
    return button


def format_time(ms: int) -> str:
    """`m:ss.t` for a position in milliseconds."""
    ms = max(0, ms)
    minutes, rest = divmod(ms, 60_000)
    return f"{minutes}:{rest / 1000:04.1f}"


class VideoPreview(QWidget):
    """Canvas plus controls; a placeholder with "Open in system player" when playback fails."""

    cover_chosen = Signal(int, str)  # frame time in ms, path of the exported JPEG
    publish_requested = Signal()

    def __init__(
        self,
        player: PreviewPlayer | None,
        availability: Availability,
        *,
        cover_dir: Path,
        open_url: UrlOpener = QDesktopServices.openUrl,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("videoPreview")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.player = player if availability.ok else None
        self.cover_dir = cover_dir
        self._open_url = open_url
        self._source: Path | None = None
        self._scrubbing = False
        self._dock_geometry: QRect | None = None
        self.cover_ms: int | None = None
        self.cover_path: Path | None = None

        self.canvas = VideoCanvas()
        self.play_button = _tool("Play", "playButton")
        self.step_back_button = _tool("◀|", "stepBack")
        self.step_back_button.setToolTip("One frame back (Left, while paused)")
        self.step_forward_button = _tool("|▶", "stepForward")
        self.step_forward_button.setToolTip("One frame forward (Right, while paused)")
        self.slider = _named(QSlider(Qt.Orientation.Horizontal), "scrubSlider")
        self.time_label = _named(QLabel("0:00.0 / 0:00.0"), "timeLabel")
        self.loop_box = _named(QCheckBox("Loop"), "loopBox")
        self.mute_button = _tool("Mute", "muteButton", checkable=True)
        self.volume_slider = _named(QSlider(Qt.Orientation.Horizontal), "volumeSlider")
        self.volume_slider.setRange(0, 100)
        self.volume_slider.setValue(80)
        self.volume_slider.setMinimumWidth(60)
        self.volume_slider.setMaximumWidth(90)
        self.safe_zone_box = _named(QCheckBox("Safe zones"), "safeZoneBox")
        self.safe_zone_box.setToolTip("Show where TikTok's buttons and caption cover the video")
        self.fullscreen_button = _tool("Full screen", "fullscreenButton")
        self.fullscreen_button.setToolTip("Full screen (F, Esc to leave)")
        self.cover_button = _named(QPushButton("Set as cover"), "coverButton")
        self.cover_button.setToolTip("Use the frame on screen as the post's cover image")
        self.publish_button = _named(QPushButton("Publish…"), "previewPublishButton")
        self.publish_button.clicked.connect(self.publish_requested)
        self.publish_button.setEnabled(False)
        self.cover_label = _named(QLabel(), "coverLabel")
        self.cover_label.setWordWrap(True)

        # Short rows, so a narrow pane (300 px at 1280x800) never squeezes a control out.
        controls = QHBoxLayout()
        for widget in (self.step_back_button, self.play_button, self.step_forward_button):
            controls.addWidget(widget)
        controls.addWidget(self.slider, 1)
        extras = QHBoxLayout()
        for widget in (self.loop_box, self.mute_button, self.volume_slider):
            extras.addWidget(widget)
        extras.addStretch(1)
        extras.addWidget(self.safe_zone_box)
        actions = QHBoxLayout()
        actions.addWidget(self.cover_button)
        actions.addWidget(self.fullscreen_button)
        actions.addStretch(1)
        actions.addWidget(self.publish_button)

        player_page = QWidget()
        column = QVBoxLayout(player_page)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.canvas, 1)
        column.addLayout(controls)
        column.addWidget(self.time_label)
        column.addLayout(extras)
        column.addLayout(actions)
        column.addWidget(self.cover_label)

        self.placeholder_label = _named(QLabel(), "previewPlaceholder")
        self.placeholder_label.setWordWrap(True)
        self.placeholder_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.system_player_button = _named(QPushButton("Open in system player"), "systemPlayer")
        self.system_player_button.clicked.connect(self.open_in_system_player)
        placeholder = QWidget()
        box = QVBoxLayout(placeholder)
        box.addStretch(1)
        box.addWidget(self.placeholder_label)
        box.addWidget(self.system_player_button, 0, Qt.AlignmentFlag.AlignCenter)
        box.addStretch(1)

        self.pages = QStackedWidget()
        self.pages.addWidget(player_page)
        self.pages.addWidget(placeholder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)

        self._connect_controls()
        if self.player is None:
            self.show_placeholder(availability.reason or "Video playback is not available here.")
        self.set_media(None)

    # -- wiring ----------------------------------------------------------------------------

    def _connect_controls(self) -> None:
        self.safe_zone_box.toggled.connect(self.canvas.set_safe_zones)
        self.fullscreen_button.clicked.connect(self.toggle_fullscreen)
        self._shortcut("Space", self.toggle_play, "Play or pause")
        self._shortcut("Left", lambda: self.step(-1), "Step one frame back")
        self._shortcut("Right", lambda: self.step(1), "Step one frame forward")
        self._shortcut("F", self.toggle_fullscreen, "Full screen on or off")
        self._shortcut("Esc", self.leave_fullscreen, "Leave full screen")
        player = self.player
        if player is None:
            return
        self.play_button.clicked.connect(self.toggle_play)
        self.step_back_button.clicked.connect(lambda: self.step(-1))
        self.step_forward_button.clicked.connect(lambda: self.step(1))
        self.slider.sliderPressed.connect(self._on_scrub_start)
        self.slider.sliderReleased.connect(self._on_scrub_end)
        self.slider.sliderMoved.connect(player.seek)
        self.loop_box.toggled.connect(player.set_looping)
        self.mute_button.toggled.connect(player.set_muted)
        self.volume_slider.valueChanged.connect(lambda value: player.set_volume(value / 100))
        player.set_volume(self.volume_slider.value() / 100)
        self.cover_button.clicked.connect(self.set_cover)
        player.frame_changed.connect(self.canvas.set_frame)
        player.frame_changed.connect(self._on_frame)
        player.position_changed.connect(self._on_position)
        player.duration_changed.connect(self._on_duration)
        player.playing_changed.connect(self._on_playing)
        player.failed.connect(self.show_placeholder)

    def _shortcut(self, key: str, slot: Callable[[], object], what: str) -> None:
        shortcut = QShortcut(QKeySequence(key), self)
        shortcut.setWhatsThis(what)  # Help > Keyboard shortcuts lists it with this
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)

    # -- what to show ----------------------------------------------------------------------

    def set_media(
        self, path: Path | None, *, poster: QImage | None = None, message: str = ""
    ) -> None:
        """Play `path` when given (paused on its first frame), else show `poster` and `message`."""
        if path is not None and path == self._source:
            return  # already loaded: keep the frame, position and cover
        self._source = path
        self.cover_ms = None
        self.cover_path = None
        self.cover_label.clear()
        has_video = path is not None and self.player is not None
        for widget in (
            self.play_button,
            self.step_back_button,
            self.step_forward_button,
            self.slider,
            self.cover_button,
        ):
            widget.setEnabled(has_video)
        self.system_player_button.setEnabled(path is not None)
        if self.player is None:
            return
        self.pages.setCurrentIndex(PLAYER_PAGE)
        self.canvas.set_poster(poster, message)
        if self.player.source != path:
            self.player.set_source(path)
        if path is not None:
            self.player.pause()  # decodes and shows the first frame without playing

    @property
    def source(self) -> Path | None:
        """The video file shown, if any."""
        return self._source

    def set_poster(self, poster: QImage | None, message: str = "") -> None:
        """Update the still shown while there is no video yet."""
        if self._source is None:
            self.canvas.set_poster(poster, message)

    def show_placeholder(self, reason: str) -> None:
        """Replace the player with `reason` and the "Open in system player" button."""
        self.placeholder_label.setText(f"The video cannot be played here.\n{reason}")
        self.pages.setCurrentIndex(PLACEHOLDER_PAGE)

    @property
    def placeholder_shown(self) -> bool:
        """True while the placeholder replaces the player."""
        return self.pages.currentIndex() == PLACEHOLDER_PAGE

    def open_in_system_player(self) -> None:
        """Hand the file to the desktop's default video player."""
        if self._source is not None:
            self._open_url(QUrl.fromLocalFile(str(self._source)))

    # -- controls --------------------------------------------------------------------------

    def toggle_play(self) -> None:
        """Space: play or pause."""
        if self.player is not None and self._source is not None:
            self.player.toggle()

    def step(self, frames: int) -> None:
        """Arrow keys: one frame back or forward, while paused."""
        if self.player is not None and self._source is not None and not self.player.is_playing():
            self.player.step(frames)

    def toggle_fullscreen(self) -> None:
        """F: show the preview alone on the whole screen, or bring it back into the window."""
        if self.isWindow() and self.isFullScreen():
            self.leave_fullscreen()
            return
        dock = self.parentWidget()
        self._dock_geometry = dock.geometry() if isinstance(dock, QDockWidget) else None
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.showFullScreen()
        self.setFocus()

    def leave_fullscreen(self) -> None:
        """Esc: back into the window, at the place and size the pane had there."""
        if self.isWindow():
            self.setWindowState(self.windowState() & ~Qt.WindowState.WindowFullScreen)
            self.setWindowFlag(Qt.WindowType.Window, False)
            self.show()
            # While the pane was its own window its dock shrank to nothing. The main window's
            # layout still holds the dock's place but does not apply it again until the window
            # is resized (meanwhile the controls are squeezed out): put the dock back there.
            dock = self.parentWidget()
            if isinstance(dock, QDockWidget) and self._dock_geometry is not None:
                dock.setGeometry(self._dock_geometry)

    def set_cover(self) -> Path | None:
        """Export the frame on screen as the cover JPEG; remembers its time."""
        player = self.player
        if player is None or self._source is None:
            return None
        ms = max(player.current_frame_ms, 0)
        target = self.cover_dir / f"{self._source.stem}-cover-{ms}.jpg"
        if not player.export_frame(target):
            self.cover_label.setText("No frame to use yet: play or scrub the video first.")
            return None
        self.cover_ms = ms
        self.cover_path = target
        self.cover_label.setText(f"Cover: frame at {format_time(ms)} ({target.name})")
        self.cover_label.setToolTip(str(target))
        self.cover_chosen.emit(ms, str(target))
        return target

    # -- player events ---------------------------------------------------------------------

    def _on_scrub_start(self) -> None:
        self._scrubbing = True

    def _on_scrub_end(self) -> None:
        self._scrubbing = False
        if self.player is not None:
            self.player.seek(self.slider.value())

    def _on_position(self, position: int) -> None:
        if not self._scrubbing:
            self.slider.blockSignals(True)
            self.slider.setValue(position)
            self.slider.blockSignals(False)
        self._show_time(position)

    def _show_time(self, position: int) -> None:
        """`m:ss.t / m:ss.t`, and while paused on a decoded frame, that frame's number (the
        one a step lands on: stepping moves by frames, not by tenths of a second)."""
        player = self.player
        duration = player.duration() if player is not None else 0
        text = f"{format_time(position)} / {format_time(duration)}"
        if player is not None and not player.is_playing() and player.current_frame_ms >= 0:
            number = round(player.current_frame_ms * player.frame_rate() / 1000) + 1
            text = f"frame {number} · {text}"
        self.time_label.setText(text)

    def _on_frame(self, _image: QImage) -> None:
        if self.player is not None:
            self._show_time(self.player.position())

    def _on_duration(self, duration: int) -> None:
        self.slider.setRange(0, max(0, duration))
        self._on_position(self.player.position() if self.player is not None else 0)

    def _on_playing(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        if self.player is not None:
            self._show_time(self.player.position())
