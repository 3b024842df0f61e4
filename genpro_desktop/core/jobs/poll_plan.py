"""When to read a job's status next: the cadence per kind and the poll plans built on it.

A plan turns what is known about a job (its kind, how many polls it had, how long it has run and
how long jobs of its kind typically take) into a `DelayRange`; the scheduler draws the actual
delay from that range with its own RNG, so plans are pure and testable without randomness.

- `PredictivePlan` (the app's plan) uses whatever is known about how long the job should take:
  a quick early check (a fast failure or a bad id shows within ~10 s), sparse reads that tighten
  as the expected window approaches, dense reads (a few seconds apart) inside the window, then a
  growing but capped spacing for overdue jobs. The window is 0.7-1.3 x the median of recent
  successes once two or more exist, 0.5-1.6 x the one sample there is, and with no history at all
  GEN's published typical video render times (30-120 s): reads a few seconds apart from 15 s on,
  so a new user's first render is noticed quickly. Kinds it does not predict (publishes: TikTok
  moderation times say little about the next one) keep the exponential `Cadence` of the kind.
- `FixedPlan` reads at one fixed interval, like GEN's SDK `waitForGeneration` (every 2 s); the
  polling benchmark uses it as the baseline.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

from genpro_desktop.core.jobs.model import JobKind

__all__ = [
    "CADENCES",
    "GEN_TYPICAL_RENDER_S",
    "Cadence",
    "DelayRange",
    "FixedPlan",
    "PollPhase",
    "PollPlan",
    "PredictivePlan",
]


@dataclass(frozen=True)
class Cadence:
    """How often to poll one kind of job: first delay, growth, cap, jitter and overall deadline."""

    first_s: float
    factor: float
    cap_s: float
    jitter: float
    deadline_s: float

    def base_delay(self, attempt: int) -> float:
        """The un-jittered delay before poll number `attempt` (0 = the first poll)."""
        return min(self.first_s * self.factor ** max(0, attempt), self.cap_s)


CADENCES: Mapping[JobKind, Cadence] = MappingProxyType(
    {
        JobKind.RENDER: Cadence(first_s=2.0, factor=1.5, cap_s=15.0, jitter=0.2, deadline_s=3600.0),
        # TikTok moderation can take hours, so publish jobs are tracked for a day.
        JobKind.PUBLISH: Cadence(
            first_s=5.0, factor=1.5, cap_s=60.0, jitter=0.2, deadline_s=86400.0
        ),
    }
)


GEN_TYPICAL_RENDER_S = (30.0, 120.0)
"""GEN's documentation: video jobs typically take 30-120 s (the prior when there is no history)."""


# The early check is made only when the window opens at least this many early checks later;
# otherwise the first read is at the window's opening.
EARLY_CHECK_ROOM = 3.0


class PollPhase(StrEnum):
    """Which rule of a plan chose a delay (for tests, logs and the benchmark)."""

    CADENCE = "cadence"  # no typical duration: the kind's exponential cadence
    EARLY = "early"  # the one early check
    SPARSE = "sparse"  # a checkpoint on the way to the expected window
    WINDOW = "window"  # inside 0.7-1.3 x typical: dense
    OVERDUE = "overdue"  # past the window: growing, capped
    FIXED = "fixed"  # a fixed interval


@dataclass(frozen=True)
class DelayRange:
    """The next delay is drawn uniformly from [low_s, high_s]; `phase` says which rule chose it."""

    low_s: float
    high_s: float
    phase: PollPhase

    @classmethod
    def around(cls, base_s: float, jitter: float, phase: PollPhase) -> DelayRange:
        """`base_s` +- `jitter` (a fraction)."""
        return cls(base_s * (1.0 - jitter), base_s * (1.0 + jitter), phase)


class PollPlan(Protocol):
    """Chooses the range of the delay before a job's next status read."""

    def cadence(self, kind: JobKind) -> Cadence:
        """The kind's cadence (its deadline and fallback); ValueError for kinds not polled."""
        ...

    def delay(
        self,
        kind: JobKind,
        attempt: int,
        elapsed: float | None,
        typical: float | None,
        samples: int | None = None,
    ) -> DelayRange:
        """The range for poll number `attempt` of a job that has run `elapsed` seconds, when
        jobs of its kind typically take `typical` seconds (the median of `samples` recent
        successes; None: a typical duration from enough history)."""
        ...


def _cadence_of(cadences: Mapping[JobKind, Cadence], kind: JobKind) -> Cadence:
    if kind not in cadences:
        raise ValueError(f"{kind} jobs are not polled")
    return cadences[kind]


@dataclass(frozen=True)
class FixedPlan:
    """Every read `interval_s` after the previous one, without jitter (the benchmark baseline)."""

    interval_s: float = 2.0
    cadences: Mapping[JobKind, Cadence] = field(default_factory=lambda: CADENCES)

    def cadence(self, kind: JobKind) -> Cadence:
        """The kind's cadence (only its deadline is used)."""
        return _cadence_of(self.cadences, kind)

    def delay(
        self,
        kind: JobKind,
        attempt: int,
        elapsed: float | None,
        typical: float | None,
        samples: int | None = None,
    ) -> DelayRange:
        """Always `interval_s`."""
        _cadence_of(self.cadences, kind)
        return DelayRange(self.interval_s, self.interval_s, PollPhase.FIXED)


@dataclass(frozen=True)
class PredictivePlan:
    """Sparse early, dense around the expected finish, backing off when overdue (module doc).

    Inside the window (`window_start`-`window_end` x typical) reads are `dense` apart:
    `typical x dense_fraction` kept within [dense_min_s, dense_max_s]; the detection delay is
    on average about half of it. Before the window, after one early check, the spacing is
    `dense + ramp_slope x (time until the window opens)`, at most `sparse_max_s`: sparse far
    from the window, tightening towards it, so a job that finishes a little early (the typical
    duration is only an estimate) is still noticed soon. Overdue jobs start at `dense` and add
    `overdue_growth` seconds of spacing per second overdue, up to `overdue_cap_s`, so a job
    taking 3 x typical is still noticed within a few seconds; past `late_factor` x typical the
    spacing grows on, at the same rate, to the kind's cadence cap.

    With a single sample the window is wider (`one_sample_start`-`one_sample_end` x it); with
    none, the window is GEN's published range (`cold_range_s`), opening at `cold_open_s`, with
    reads `dense_max_s` apart: never more than a few seconds before the expected finish.
    """

    cadences: Mapping[JobKind, Cadence] = field(default_factory=lambda: CADENCES)
    predicted_kinds: frozenset[JobKind] = field(default_factory=lambda: frozenset({JobKind.RENDER}))
    early_check_s: float = 10.0
    sparse_max_s: float = 60.0
    ramp_slope: float = 0.4
    window_start: float = 0.7
    window_end: float = 1.3
    dense_fraction: float = 0.15
    dense_min_s: float = 1.0
    dense_max_s: float = 4.0
    window_jitter: float = 0.1
    overdue_growth: float = 0.1
    overdue_cap_s: float = 6.0
    late_factor: float = 4.0
    one_sample_start: float = 0.5
    one_sample_end: float = 1.6
    cold_range_s: tuple[float, float] = GEN_TYPICAL_RENDER_S
    cold_open_s: float = 15.0
    cold_close_factor: float = 4.0

    def cadence(self, kind: JobKind) -> Cadence:
        """The kind's cadence (deadline, fallback, jitter and late cap)."""
        return _cadence_of(self.cadences, kind)

    def delay(
        self,
        kind: JobKind,
        attempt: int,
        elapsed: float | None,
        typical: float | None,
        samples: int | None = None,
    ) -> DelayRange:
        """The predictive range (cold without a usable typical duration), or the kind's
        exponential cadence for kinds not predicted or without a usable elapsed time."""
        cadence = self.cadence(kind)
        if kind not in self.predicted_kinds or elapsed is None or not math.isfinite(elapsed):
            return DelayRange.around(cadence.base_delay(attempt), cadence.jitter, PollPhase.CADENCE)
        if typical is None or not (0 < typical < math.inf):
            return self.cold(cadence, max(0.0, elapsed))
        return self.predicted(cadence, max(0.0, elapsed), typical, samples)

    def dense_spacing(self, typical: float) -> float:
        """Seconds between reads inside the expected window."""
        return min(self.dense_max_s, max(self.dense_min_s, typical * self.dense_fraction))

    def predicted(
        self, cadence: Cadence, elapsed: float, typical: float, samples: int | None = None
    ) -> DelayRange:
        """The range for a job `elapsed` seconds in, when its kind typically takes `typical`
        (from `samples` recent successes; None: enough of them)."""
        start, end = self.window_start, self.window_end
        if samples is not None and samples == 1:
            start, end = self.one_sample_start, self.one_sample_end
        return self.windowed(
            cadence,
            elapsed,
            opens_s=start * typical,
            closes_s=end * typical,
            dense=self.dense_spacing(typical),
            late_s=self.late_factor * typical,
        )

    def cold(self, cadence: Cadence, elapsed: float) -> DelayRange:
        """The range for a job `elapsed` seconds in when nothing of its kind finished yet."""
        closes = self.cold_close_factor * self.cold_range_s[1]
        return self.windowed(
            cadence,
            elapsed,
            opens_s=self.cold_open_s,
            closes_s=closes,
            dense=self.dense_max_s,
            late_s=2.0 * closes,
        )

    def windowed(
        self,
        cadence: Cadence,
        elapsed: float,
        *,
        opens_s: float,
        closes_s: float,
        dense: float,
        late_s: float,
    ) -> DelayRange:
        """Early check, sparse, dense in [opens_s, closes_s], then overdue (class doc)."""
        until_window = opens_s - elapsed
        jitter = cadence.jitter
        if until_window > dense:
            early = self.early_check_s
            if elapsed < early * (1.0 - jitter) and EARLY_CHECK_ROOM * early <= opens_s:
                # The one early check (a fast failure or a bad id), never later than planned;
                # a window opening sooner than that is its own early check.
                return DelayRange(
                    early * (1.0 - jitter) - elapsed, early - elapsed, PollPhase.EARLY
                )
            if elapsed < early * (1.0 - jitter):
                # No early check: the window opens soon enough to be it, so the first read is
                # at its opening (a checkpoint before it would cost a read for little).
                return DelayRange(until_window * (1.0 - jitter / 2), until_window, PollPhase.SPARSE)
            spacing = min(self.sparse_max_s, dense + self.ramp_slope * until_window)
            # Never past the window's opening, so its first read is on time.
            high = min(spacing * (1.0 + jitter), until_window)
            return DelayRange(min(spacing * (1.0 - jitter), high), high, PollPhase.SPARSE)
        overdue = elapsed - closes_s
        if overdue < 0:
            return DelayRange.around(dense, self.window_jitter, PollPhase.WINDOW)
        spacing = min(max(self.overdue_cap_s, dense), dense + self.overdue_growth * overdue)
        late = elapsed - late_s
        if late > 0:
            # Far past any outlier: keep growing from the overdue cap to the kind's cap.
            spacing = min(max(cadence.cap_s, spacing), spacing + self.overdue_growth * late)
        return DelayRange.around(spacing, jitter, PollPhase.OVERDUE)
