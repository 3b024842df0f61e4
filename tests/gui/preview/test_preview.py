"""The preview really decodes the sample render offscreen: frames, seeking, stepping, looping,
the cover export, letterboxing, and the placeholder when multimedia is unavailable."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from guikit import OpenedUrls, until
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QVideoFrame, QVideoSink
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow

from genpro_desktop.core.resources import resource_path
from genpro_desktop.gui.player import Availability, PreviewPlayer, multimedia_availability
from genpro_desktop.gui.preview.video_canvas import letterbox, safe_zone
from genpro_desktop.gui.preview.video_preview import VideoPreview, format_time

SAMPLE = resource_path("sample/render.mp4")


def _distinct_colours(image: QImage) -> int:
    step_x, step_y = max(1, image.width() // 12), max(1, image.height() // 12)
    return len(
        {
            image.pixel(x, y)
            for x in range(0, image.width(), step_x)
            for y in range(0, image.height(), step_y)
        }
    )


@pytest.fixture
def preview(qapp: object, tmp_path: Path, opened_urls: OpenedUrls) -> Iterator[VideoPreview]:
    player = PreviewPlayer()
    widget = VideoPreview(
        player, multimedia_availability(), cover_dir=tmp_path / "covers", open_url=opened_urls
    )
    player.setParent(widget)
    widget.resize(400, 600)
    widget.show()
    yield widget
    # Unloading from Python used to deadlock here (issue 13 part 6); it is safe since Qt builds
    # the media objects, and gui/player/test_player_stress.py proves it in a child process.
    player.set_source(None)
    widget.close()
    widget.deleteLater()


def _player(preview: VideoPreview) -> PreviewPlayer:
    assert preview.player is not None
    return preview.player


async def _first_frame(preview: VideoPreview) -> None:
    player = _player(preview)
    await until(lambda: player.current_frame_ms >= 0, player.frame_changed, what="a frame")


def test_multimedia_is_available_here() -> None:
    assert multimedia_availability() == Availability(True)


def test_qt_builds_the_media_objects_so_the_media_thread_never_needs_the_gil(
    preview: VideoPreview,
) -> None:
    """A Python-made QMediaPlayer/QAudioOutput/QVideoSink is a PySide wrapper whose virtuals take
    the GIL when Qt's media thread calls them: the deadlock the stress test (in a child process,
    gui/player/test_player_stress.py) provokes. Objects made by Qt's QML engine have no such
    wrapper."""
    player = _player(preview)
    assert player.native
    objects = player.media_objects()
    assert [type(o).__name__ for o in objects] == ["QMediaPlayer", "QAudioOutput", "QVideoSink"]
    assert [shiboken6.createdByPython(o) for o in objects] == [False, False, False]
    assert player.sink is objects[2]


async def test_the_sample_decodes_to_a_valid_non_uniform_frame(preview: VideoPreview) -> None:
    player = _player(preview)
    sink = player.sink
    assert isinstance(sink, QVideoSink)
    frames: list[QVideoFrame] = []
    sink.videoFrameChanged.connect(lambda frame: frames.append(QVideoFrame(frame)))
    preview.set_media(SAMPLE)
    await until(lambda: bool(frames) and frames[-1].isValid(), sink.videoFrameChanged, what="frame")
    image = frames[-1].toImage()
    assert not image.isNull()
    assert image.size() == QSize(360, 640)
    assert _distinct_colours(image) > 4, "the frame is a picture, not a flat colour"
    assert preview.canvas.image.size() == QSize(360, 640)
    await until(lambda: player.duration() > 0, player.duration_changed, what="duration")
    assert preview.slider.maximum() == player.duration()
    assert preview.time_label.text().endswith(format_time(player.duration()))


async def test_seek_then_step_frames_while_paused(preview: VideoPreview) -> None:
    player = _player(preview)
    preview.set_media(SAMPLE)
    await _first_frame(preview)
    await until(lambda: player.duration() > 0, player.duration_changed, what="duration")
    player.seek(2000)
    await until(
        lambda: abs(player.current_frame_ms - 2000) <= 40, player.frame_changed, what="seek"
    )
    at = player.current_frame_ms
    frame_ms = 1000 / player.frame_rate()
    preview.step(1)
    await until(lambda: player.current_frame_ms > at, player.frame_changed, what="step forward")
    assert player.current_frame_ms - at == pytest.approx(frame_ms, abs=frame_ms / 2)
    forward = player.current_frame_ms
    preview.step(-1)
    await until(lambda: player.current_frame_ms < forward, player.frame_changed, what="step back")
    assert player.current_frame_ms == pytest.approx(at, abs=frame_ms / 2)
    assert not player.is_playing()


async def test_play_pause_and_loop_past_the_end(preview: VideoPreview) -> None:
    player = _player(preview)
    preview.set_media(SAMPLE)
    await _first_frame(preview)
    await until(lambda: player.duration() > 0, player.duration_changed, what="duration")
    preview.loop_box.setChecked(True)
    assert player.is_looping()
    player.seek(player.duration() - 400)
    await until(lambda: player.position() >= player.duration() - 450, player.position_changed)
    preview.toggle_play()
    await until(player.is_playing, player.playing_changed, what="playing")
    assert preview.play_button.text() == "Pause"
    await until(
        lambda: player.position() < 1000, player.position_changed, what="the loop back to 0"
    )
    assert player.is_playing()
    preview.toggle_play()
    await until(lambda: not player.is_playing(), player.playing_changed, what="paused")


async def test_set_as_cover_exports_the_frame_as_jpeg(preview: VideoPreview) -> None:
    player = _player(preview)
    chosen: list[tuple[int, str]] = []
    preview.cover_chosen.connect(lambda ms, path: chosen.append((ms, path)))
    preview.set_media(SAMPLE)
    await _first_frame(preview)
    player.seek(1500)
    await until(lambda: abs(player.current_frame_ms - 1500) <= 40, player.frame_changed)
    path = preview.set_cover()
    assert path is not None
    preview.set_media(SAMPLE)  # the same render again (e.g. its job changed): nothing resets
    assert preview.cover_path == path
    assert not preview.canvas.image.isNull()
    assert chosen == [(preview.cover_ms, str(path))]
    saved = QImage(str(path))
    assert saved.size() == QSize(360, 640)
    assert path.read_bytes()[:2] == b"\xff\xd8", "a JPEG"


def test_placeholder_when_multimedia_is_unavailable(
    qapp: object, tmp_path: Path, opened_urls: OpenedUrls
) -> None:
    widget = VideoPreview(
        None,
        Availability(False, "Qt Multimedia has no backend here that can decode MP4 video."),
        cover_dir=tmp_path,
        open_url=opened_urls,
    )
    widget.set_media(SAMPLE)
    assert widget.placeholder_shown
    assert "no backend" in widget.placeholder_label.text()
    widget.system_player_button.click()
    assert [url.toLocalFile() for url in opened_urls] == [str(SAMPLE)]
    widget.deleteLater()


def test_poster_before_the_download_and_letterboxing(preview: VideoPreview) -> None:
    poster = QImage(str(resource_path("sample/thumbnail.jpg")))
    preview.set_media(None, poster=poster, message="Downloading…")
    assert not preview.play_button.isEnabled()
    preview.canvas.resize(400, 400)
    box = preview.canvas.video_rect()
    assert box.height() == 400
    assert box.width() == pytest.approx(400 * poster.width() / poster.height(), abs=1)
    assert letterbox(QSize(360, 640), QRect(0, 0, 400, 400)) == QRect(87, 0, 225, 400)
    zone = safe_zone(QRect(0, 0, 90, 160))
    assert zone.top() > 0
    assert zone.bottom() < 160


async def test_scrubbing_and_stepping_after_the_end_update_the_picture(
    preview: VideoPreview,
) -> None:
    from PySide6.QtMultimedia import QMediaPlayer

    player = _player(preview)
    media = player.media_objects()[0]
    assert isinstance(media, QMediaPlayer)
    preview.set_media(SAMPLE)
    await _first_frame(preview)
    await until(lambda: player.duration() > 0, player.duration_changed, what="duration")
    player.seek(player.duration() - 300)
    await until(lambda: player.position() >= player.duration() - 350, player.position_changed)
    preview.toggle_play()
    await until(
        lambda: media.mediaStatus() is QMediaPlayer.MediaStatus.EndOfMedia,
        media.mediaStatusChanged,
        what="the end of the video",
    )
    at_end = QImage(player.current_image)
    preview.slider.setValue(1000)  # a scrub: press, move, release
    preview.slider.sliderPressed.emit()
    preview.slider.sliderMoved.emit(1000)
    preview.slider.sliderReleased.emit()
    await until(
        lambda: abs(player.current_frame_ms - 1000) <= 40, player.frame_changed, what="scrub"
    )
    scrubbed = QImage(player.current_image)
    assert scrubbed != at_end
    assert preview.canvas.image == scrubbed
    number = _frame_number(preview)
    at = player.current_frame_ms
    preview.step(1)
    await until(lambda: player.current_frame_ms > at, player.frame_changed, what="a step")
    assert player.current_image != scrubbed
    assert _frame_number(preview) == number + 1  # the time says which frame is shown


def _frame_number(preview: VideoPreview) -> int:
    found = re.match(r"frame (\d+) · ", preview.time_label.text())
    assert found is not None, preview.time_label.text()
    return int(found.group(1))


def test_leaving_full_screen_gives_the_pane_its_place_back(preview: VideoPreview) -> None:
    window = QMainWindow()
    window.setCentralWidget(QLabel("grid"))
    window.resize(1200, 800)
    dock = QDockWidget("Preview", window)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.setWidget(preview)
    window.show()
    QApplication.processEvents()
    before, slider = preview.geometry(), preview.volume_slider.width()
    preview.toggle_fullscreen()
    QApplication.processEvents()
    assert preview.isFullScreen()
    preview.leave_fullscreen()
    QApplication.processEvents()
    assert preview.parentWidget() is dock
    assert preview.geometry() == before
    assert preview.volume_slider.isVisible()
    assert preview.volume_slider.width() == slider
    preview.setParent(None)  # out of the dock: the fixture closes the preview
    window.deleteLater()
