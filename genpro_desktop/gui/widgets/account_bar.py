"""The bar above the browser: workspace and agent pickers, credits, the signed-in user, DEMO."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolButton, QWidget

from genpro_desktop.gui.theme import DEMO_BADGE_STYLE

if TYPE_CHECKING:
    from genpro_desktop.core.api import Agent, CreditBalance, Workspace  # pydantic models


def format_credits(amount: Decimal | None) -> str:
    """Credits for people: whole numbers without decimals, others with up to two."""
    if amount is None:
        return "–"
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return f"{amount:,.2f}".rstrip("0").rstrip(".")


FIXED_WIDTH = QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
LABEL_MIN_WIDTH = 60  # px; the user's name may be cut below its natural width
# The credits label's room, taken from the start: balances up to this long are never cut, and
# the balance arriving (or changing) does not widen the window.
CREDITS_ROOM_TEXT = "Credits: 9,999.5  ·  Aura: 999"


class EndCutLabel(QLabel):
    """A one-line label that, given less room than its text needs, ends it with "…" (instead of
    clipping a letter in half); `text()` stays whole, and the tooltip says it in full."""

    def shown_text(self) -> str:
        """What is drawn at the current width."""
        metrics = self.fontMetrics()
        return metrics.elidedText(
            self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width()
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(self.alignment()), self.shown_text())
        painter.end()


class AccountBar(QWidget):
    """Shows the account and lets the user switch workspace and agent."""

    workspace_chosen = Signal(str)
    agent_chosen = Signal(str)
    sign_out_requested = Signal()

    def __init__(self, *, demo: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace_combo = QComboBox()
        self.workspace_combo.setObjectName("workspaceCombo")
        self.workspace_combo.setToolTip("Workspace")
        self.workspace_combo.setMinimumContentsLength(14)
        self.workspace_combo.setSizeAdjustPolicy(FIXED_WIDTH)
        self.workspace_combo.activated.connect(self._on_workspace_activated)
        self.agent_combo = QComboBox()
        self.agent_combo.setObjectName("agentCombo")
        self.agent_combo.setToolTip("Agent: renders and credits belong to it")
        self.agent_combo.setMinimumContentsLength(14)
        self.agent_combo.setSizeAdjustPolicy(FIXED_WIDTH)
        self.agent_combo.activated.connect(self._on_agent_activated)

        self.credits_label = QLabel("Credits: –")
        self.credits_label.setObjectName("creditsLabel")
        self.credits_label.setToolTip("The workspace's available credits")
        self.user_label = EndCutLabel("Connecting…")
        self.user_label.setObjectName("accountLabel")
        # What arrives after sign-in must not raise the window's minimum width (the window
        # would grow and the browser splitter move under the user): a long name is cut (the
        # tooltip has it whole); the credits have room for any usual balance from the start.
        self.user_label.setMinimumWidth(LABEL_MIN_WIDTH)
        room = self.credits_label.fontMetrics().horizontalAdvance(CREDITS_ROOM_TEXT)
        self.credits_label.setMinimumWidth(room)
        self.demo_badge = QLabel("DEMO")
        self.demo_badge.setObjectName("demoBadge")
        self.demo_badge.setStyleSheet(DEMO_BADGE_STYLE)
        self.demo_badge.setToolTip("Running on the built-in GEN simulator: no credits, no posts.")
        self.demo_badge.setVisible(demo)
        self.sign_out_button = QToolButton()
        self.sign_out_button.setObjectName("signOutButton")
        self.sign_out_button.setText("Sign out")
        self.sign_out_button.setToolTip("Forget the API key on this computer")
        self.sign_out_button.clicked.connect(self.sign_out_requested)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Workspace"))
        layout.addWidget(self.workspace_combo)
        layout.addSpacing(8)
        layout.addWidget(QLabel("Agent"))
        layout.addWidget(self.agent_combo)
        layout.addSpacing(16)
        layout.addWidget(self.credits_label)
        layout.addStretch(1)
        layout.addWidget(self.user_label)
        layout.addWidget(self.demo_badge)
        layout.addWidget(self.sign_out_button)

    def set_demo(self, demo: bool) -> None:
        """Show or hide the DEMO badge; the demo has no key to sign out of."""
        self.demo_badge.setVisible(demo)
        self.sign_out_button.setText("Leave demo" if demo else "Sign out")
        self.sign_out_button.setToolTip(
            "Back to the welcome page" if demo else "Forget the API key on this computer"
        )

    def show_user(self, text: str) -> None:
        """Who is signed in."""
        self.user_label.setText(text)
        self.user_label.setToolTip(text)

    def show_credits(self, balance: CreditBalance | None, *, problem: str | None = None) -> None:
        """The available credits (generic, plus aura when GEN reports it)."""
        if balance is None:
            self.credits_label.setText("Credits: –")
            self.credits_label.setToolTip(problem or "The workspace's available credits")
            return
        text = f"Credits: {format_credits(balance.generic)}"
        if balance.aura:
            text += f"  ·  Aura: {format_credits(balance.aura)}"
        self.credits_label.setText(text)
        self.credits_label.setToolTip("The workspace's available credits")

    def set_workspaces(self, workspaces: Sequence[Workspace], current: str | None) -> None:
        """Fill the workspace picker without emitting `workspace_chosen`."""
        _fill(self.workspace_combo, [(w.id, w.name or f"Workspace {w.id}") for w in workspaces])
        _select(self.workspace_combo, current)

    def set_agents(self, agents: Sequence[Agent], current: str | None) -> None:
        """Fill the agent picker without emitting `agent_chosen`."""
        _fill(self.agent_combo, [(a.id, a.name or f"Agent {a.id}") for a in agents])
        _select(self.agent_combo, current)

    def current_agent_id(self) -> str | None:
        """The agent shown in the picker."""
        value = self.agent_combo.currentData()
        return value if isinstance(value, str) else None

    def current_workspace_id(self) -> str | None:
        """The workspace shown in the picker."""
        value = self.workspace_combo.currentData()
        return value if isinstance(value, str) else None

    def _on_workspace_activated(self, index: int) -> None:
        value = self.workspace_combo.itemData(index)
        if isinstance(value, str):
            self.workspace_chosen.emit(value)

    def _on_agent_activated(self, index: int) -> None:
        value = self.agent_combo.itemData(index)
        if isinstance(value, str):
            self.agent_chosen.emit(value)


def _fill(combo: QComboBox, items: list[tuple[str, str]]) -> None:
    with QSignalBlocker(combo):
        combo.clear()
        for item_id, label in items:
            combo.addItem(label, item_id)
        combo.setEnabled(bool(items))


def _select(combo: QComboBox, item_id: str | None) -> None:
    with QSignalBlocker(combo):
        index = combo.findData(item_id) if item_id is not None else -1
        combo.setCurrentIndex(index if index >= 0 else (0 if combo.count() else -1))
