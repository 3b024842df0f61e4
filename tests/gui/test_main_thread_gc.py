"""The GUI-thread garbage collector keeps each pause short: full passes are rare."""

from __future__ import annotations

import pytest

from genpro_desktop.gui import main_thread_gc
from genpro_desktop.gui.main_thread_gc import (
    FULL_COLLECTION_MIN_INTERVAL_S,
    MainThreadGarbageCollector,
)


class FakeGc:
    """Stands in for the `gc` calls `collect_if_due` makes."""

    def __init__(self, counts: tuple[int, int, int]) -> None:
        self.counts = counts
        self.collected: list[int] = []

    def get_threshold(self) -> tuple[int, int, int]:
        return (700, 10, 10)

    def get_count(self) -> tuple[int, int, int]:
        return self.counts

    def collect(self, generation: int = 2) -> int:
        self.collected.append(generation)
        return 0


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    clock = [1000.0]
    monkeypatch.setattr(main_thread_gc.time, "monotonic", lambda: clock[0])
    return clock


def _collector(monkeypatch: pytest.MonkeyPatch, fake: FakeGc) -> MainThreadGarbageCollector:
    collector = MainThreadGarbageCollector()
    monkeypatch.setattr(main_thread_gc, "gc", fake)
    return collector


def test_a_due_full_collection_waits_for_its_interval_and_a_middle_one_runs_instead(
    monkeypatch: pytest.MonkeyPatch, now: list[float]
) -> None:
    fake = FakeGc((800, 11, 11))
    collector = _collector(monkeypatch, fake)
    collector.collect_if_due()
    assert fake.collected == [1]
    now[0] += FULL_COLLECTION_MIN_INTERVAL_S
    collector.collect_if_due()
    assert fake.collected == [1, 2]
    now[0] += 1.0
    collector.collect_if_due()
    assert fake.collected == [1, 2, 1]


def test_only_the_young_generation_runs_when_only_it_is_due(
    monkeypatch: pytest.MonkeyPatch, now: list[float]
) -> None:
    fake = FakeGc((701, 3, 2))
    collector = _collector(monkeypatch, fake)
    collector.collect_if_due()
    assert fake.collected == [0]
    fake.counts = (5, 3, 2)
    collector.collect_if_due()
    assert fake.collected == [0]


def test_frozen_start_up_objects_are_left_out_of_collections_until_stop() -> None:
    import gc

    enabled_before = gc.isenabled()
    collector = MainThreadGarbageCollector()
    collector.start()
    try:
        assert not gc.isenabled()
        survivor = [object() for _ in range(1000)]
        collector.freeze_survivors()
        assert gc.get_freeze_count() >= len(survivor)
    finally:
        collector.stop()
    assert gc.get_freeze_count() == 0
    assert gc.isenabled() is enabled_before
