"""Video playback for the preview pane: one small facade over Qt Multimedia."""

from genpro_desktop.gui.media.player import (
    Availability,
    PreviewPlayer,
    multimedia_availability,
)

__all__ = ["Availability", "PreviewPlayer", "multimedia_availability"]
