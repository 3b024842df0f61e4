"""Non-modal notifications in the window's corner: a line of text, "Details", and a close button.

Errors that need no decision go here instead of a modal dialog. Info toasts fade after a few
seconds; errors stay until closed (or until newer ones push them out).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

Severity = Literal["info", "warning", "error"]
ToastAction = tuple[str, Callable[[], None]]  # a button's text and what it does
INFO_TIMEOUT_MS = 6000
MAX_TOASTS = 4
_COLOURS: dict[Severity, str] = {"info": "#2f80ed", "warning": "#e08e0b", "error": "#d64545"}
_LAYOUT_EVENTS = frozenset(
    {QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.Show, QEvent.Type.Hide}
)


class Toast(QFrame):
    """One notification; `closed` fires when it goes away."""

    closed = Signal()
    resized = Signal()

    def __init__(
        self,
        text: str,
        *,
        severity: Severity,
        details: str | None,
        parent: QWidget,
        action: ToastAction | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(f"toast_{severity}")
        self.severity: Severity = severity
        self.text = text
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setStyleSheet(
            f"QFrame#{self.objectName()} {{ background: palette(base);"
            " border: 1px solid palette(mid);"
            f" border-left: 4px solid {_COLOURS[severity]}; border-radius: 6px; }}"
        )
        self.message_label = QLabel(text)
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_label = QLabel(details or "")
        self.details_label.setWordWrap(True)
        self.details_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_label.setVisible(False)
        self.details_button = QToolButton()
        self.details_button.setText("Details")
        self.details_button.setCheckable(True)
        self.details_button.setVisible(bool(details))
        self.details_button.toggled.connect(self._on_details_toggled)
        close_button = QToolButton()
        close_button.setText("✕")
        close_button.setToolTip("Close")
        close_button.setAutoRaise(True)
        close_button.clicked.connect(self.dismiss)
        top = QHBoxLayout()
        top.addWidget(self.message_label, 1)
        top.addWidget(self.details_button)
        self.action_button: QToolButton | None = None
        if action is not None:
            label, run = action
            self.action_button = QToolButton()
            self.action_button.setObjectName("toastAction")
            self.action_button.setText(label)
            self.action_button.clicked.connect(run)
            self.action_button.clicked.connect(self.dismiss)
            top.addWidget(self.action_button)
        top.addWidget(close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.details_label)
        self.setFixedWidth(380)
        if severity == "info":
            QTimer.singleShot(INFO_TIMEOUT_MS, self, self.dismiss)

    def dismiss(self) -> None:
        """Close the toast."""
        if self.isVisible() or self.parent() is not None:
            self.hide()
            self.setParent(None)
            self.closed.emit()
            self.deleteLater()

    def _on_details_toggled(self, shown: bool) -> None:
        self.details_label.setVisible(shown)
        self.adjustSize()
        self.resized.emit()


class ToastArea(QObject):
    """Stacks toasts in the bottom-right corner of a window and keeps them there on resize,
    beside the widgets they must never cover (`avoid`: the Jobs dock)."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self._host = host
        self._toasts: list[Toast] = []
        self._avoid: list[QWidget] = []
        host.installEventFilter(self)

    def avoid(self, widget: QWidget) -> None:
        """Never place toasts over `widget` while it is shown inside the window."""
        self._avoid.append(widget)
        widget.installEventFilter(self)
        self._restack()

    def area(self) -> QRect:
        """The part of the window toasts go in: the window less the side each avoided widget
        takes (a dock at the bottom lifts them above it; one at the right moves them left)."""
        area = self._host.rect()
        for widget in self._avoid:
            if not widget.isVisible() or widget.isWindow():
                continue  # hidden, or a floating dock: a window of its own
            geo = QRect(widget.mapTo(self._host, QPoint(0, 0)), widget.size())
            if not geo.intersects(area):
                continue
            if geo.top() > area.center().y():
                area.setBottom(geo.top() - 1)
            elif geo.left() > area.center().x():
                area.setRight(geo.left() - 1)
            elif geo.right() < area.center().x():
                area.setLeft(geo.right() + 1)
            else:
                area.setTop(geo.bottom() + 1)
        return area

    @property
    def toasts(self) -> list[Toast]:
        """The toasts on screen, oldest first."""
        return list(self._toasts)

    def show_toast(
        self,
        text: str,
        *,
        severity: Severity = "info",
        details: str | None = None,
        action: ToastAction | None = None,
    ) -> Toast:
        """Show a notification (with a button doing `action`, e.g. Undo); the oldest goes when
        there are too many."""
        toast = Toast(text, severity=severity, details=details, parent=self._host, action=action)
        toast.closed.connect(lambda: self._on_toast_closed(toast))
        toast.resized.connect(self._restack)
        self._toasts.append(toast)
        while len(self._toasts) > MAX_TOASTS:
            self._toasts[0].dismiss()
        toast.adjustSize()
        toast.show()
        toast.raise_()
        self._restack()
        return toast

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        resized = watched is self._host and event.type() == QEvent.Type.Resize
        if resized or (watched in self._avoid and event.type() in _LAYOUT_EVENTS):
            self._restack()
        return False

    def _on_toast_closed(self, toast: Toast) -> None:
        if toast in self._toasts:
            self._toasts.remove(toast)
        self._restack()

    def _restack(self) -> None:
        area = self.area()
        bottom = area.bottom() + 1 - 16
        for toast in reversed(self._toasts):
            toast.adjustSize()
            bottom -= toast.height()
            toast.move(max(area.left(), area.right() + 1 - toast.width() - 16), max(0, bottom))
            bottom -= 8
