"""Video playback for the preview pane: one small facade over Qt Multimedia (no widgets)."""

from genpro_desktop.gui.player.player import (
    Availability,
    PreviewPlayer,
    multimedia_availability,
)

__all__ = ["Availability", "PreviewPlayer", "multimedia_availability"]
