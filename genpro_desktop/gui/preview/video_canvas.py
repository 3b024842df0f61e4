"""Paints decoded video frames letterboxed in their own aspect ratio, with TikTok's safe zones.

Frames come from `PreviewPlayer.frame_changed` as images; painting them ourselves (instead of a
native QVideoWidget surface) keeps letterboxing exact, lets overlays sit on top of the video and
works offscreen. Before the video is there, the canvas shows the render's thumbnail (poster).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

# TikTok's UI covers the top (tabs, search), the bottom (caption, music) and the right edge
# (like/comment/share column) of a 9:16 video; keep text and faces out of those bands.
SAFE_TOP = 0.12
SAFE_BOTTOM = 0.20
SAFE_RIGHT = 0.14
SAFE_LEFT = 0.05
VERTICAL_HINT = QSize(270, 480)


def letterbox(frame: QSize, area: QRect) -> QRect:
    """The largest rectangle with `frame`'s aspect ratio centred in `area` (never stretched)."""
    if frame.isEmpty() or area.isEmpty():
        return QRect(area)
    scaled = frame.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
    x = area.x() + (area.width() - scaled.width()) // 2
    y = area.y() + (area.height() - scaled.height()) // 2
    return QRect(x, y, scaled.width(), scaled.height())


def safe_zone(video: QRect) -> QRectF:
    """The part of `video` TikTok's interface does not cover."""
    return QRectF(
        video.x() + video.width() * SAFE_LEFT,
        video.y() + video.height() * SAFE_TOP,
        video.width() * (1 - SAFE_LEFT - SAFE_RIGHT),
        video.height() * (1 - SAFE_TOP - SAFE_BOTTOM),
    )


class VideoCanvas(QWidget):
    """A black stage with the current frame (or poster) fitted inside it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("videoCanvas")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 200)
        self._image = QImage()
        self._poster = QImage()
        self._message = ""
        self.safe_zones = False

    def sizeHint(self) -> QSize:
        return VERTICAL_HINT

    @property
    def image(self) -> QImage:
        """The frame being shown (null when none)."""
        return self._image

    def set_frame(self, image: QImage) -> None:
        """Show a decoded frame."""
        self._image = image
        self.update()

    def set_poster(self, image: QImage | None, message: str = "") -> None:
        """Show a still (the thumbnail) and a line of text until frames arrive."""
        self._image = QImage()
        self._poster = image if image is not None else QImage()
        self._message = message
        self.update()

    def set_safe_zones(self, shown: bool) -> None:
        """Draw TikTok's UI safe zones over the video."""
        self.safe_zones = shown
        self.update()

    def video_rect(self) -> QRect:
        """Where the video (or poster) is drawn inside the canvas."""
        shown = self._image if not self._image.isNull() else self._poster
        size = shown.size() if not shown.isNull() else QSize(9, 16)
        return letterbox(size, self.rect())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#000000"))
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        target = self.video_rect()
        shown = self._image if not self._image.isNull() else self._poster
        if not shown.isNull():
            painter.drawImage(target, shown)
        else:
            painter.fillRect(target, QColor("#16181d"))
        if self._image.isNull() and self._message:
            painter.setPen(QColor("#f0f0f0"))
            band = QRect(target.x(), target.bottom() - 60, target.width(), 56)
            painter.fillRect(band, QColor(0, 0, 0, 150))
            painter.drawText(
                band, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._message
            )
        if self.safe_zones:
            pen = QPen(QColor("#25f4ee"), 2, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawRect(safe_zone(target))
            painter.fillRect(
                QRectF(target.x(), target.y(), target.width(), target.height() * SAFE_TOP),
                QColor(254, 44, 85, 60),
            )
            bottom = target.height() * SAFE_BOTTOM
            painter.fillRect(
                QRectF(target.x(), target.bottom() - bottom, target.width(), bottom),
                QColor(254, 44, 85, 60),
            )
        painter.end()
