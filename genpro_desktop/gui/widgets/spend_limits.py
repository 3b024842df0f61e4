"""Settings for what renders may spend: per batch, per day, and when a single render needs no
confirmation. 0 means "no limit" (or "always ask")."""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QWidget

MAX_CREDITS = 1_000_000.0


def _spin(name: str, off_text: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setObjectName(name)
    spin.setRange(0.0, MAX_CREDITS)
    spin.setDecimals(1)
    spin.setSingleStep(10.0)
    spin.setSuffix(" credits")
    spin.setSpecialValueText(off_text)  # shown at 0
    return spin


class SpendLimitsBox(QGroupBox):
    """Three figures in credits; `values()` is (batch, day, confirm_below)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Render spending", parent)
        self.batch_spin = _spin("batchLimitSpin", "No limit")
        self.day_spin = _spin("dayLimitSpin", "No limit")
        self.confirm_below_spin = _spin("confirmBelowSpin", "Always ask")
        form = QFormLayout(self)
        form.addRow("Most one batch may cost", self.batch_spin)
        form.addRow("Most renders may cost per day", self.day_spin)
        form.addRow("Render one row without asking below", self.confirm_below_spin)
        note = QLabel(
            "Figures are estimates made before each render; GEN charges the real cost. "
            "A batch render always asks first."
        )
        note.setWordWrap(True)
        form.addRow("", note)

    def load(self, batch: float, day: float, confirm_below: float) -> None:
        """Show the saved limits."""
        self.batch_spin.setValue(batch)
        self.day_spin.setValue(day)
        self.confirm_below_spin.setValue(confirm_below)

    def values(self) -> tuple[float, float, float]:
        """(per batch, per day, confirm below); 0 is off."""
        return (self.batch_spin.value(), self.day_spin.value(), self.confirm_below_spin.value())
