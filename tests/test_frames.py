"""data_access/frames.py: the collector pause and the side-by-side reads.

* Overlapping pauses in many threads leave the collector on afterwards (and off when it
  was off before), however they interleave.
* ``concurrently`` gives the results in order, raises a read's exception, runs the reads
  side by side on PostgreSQL only (one after the other on SQLite, and when nested).
"""

from __future__ import annotations

import gc
import threading
import time
from types import SimpleNamespace

import pytest

from data_access import frames

POSTGRES = SimpleNamespace(dialect=SimpleNamespace(name="postgresql"))
SQLITE = SimpleNamespace(dialect=SimpleNamespace(name="sqlite"))


class SlowCollector:
    """Stands in for the ``gc`` module: each call gives other threads time to run, so
    overlapping pauses interleave at every step (a pause that checked, then switched the
    collector off, lost it for good this way within a few rounds)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def isenabled(self) -> bool:
        state = self.enabled
        time.sleep(0.0002)
        return state

    def disable(self) -> None:
        time.sleep(0.0002)
        self.enabled = False

    def enable(self) -> None:
        self.enabled = True


def _overlapping_pauses(collector: SlowCollector, threads: int = 6, rounds: int = 30
                        ) -> int:
    """Pauses in many threads at once; how often the collector was on inside one."""
    start = threading.Barrier(threads)
    collected_inside = []

    def pause_often() -> None:
        start.wait()
        for _ in range(rounds):
            with frames.collections_paused():
                time.sleep(0.0001)
                if collector.enabled:
                    collected_inside.append(1)

    workers = [threading.Thread(target=pause_often) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return len(collected_inside)


@pytest.mark.parametrize("enabled", [True, False])
def test_overlapping_pauses_keep_the_collector_off_then_as_it_was(monkeypatch, enabled):
    collector = SlowCollector(enabled)
    monkeypatch.setattr(frames, "gc", collector)
    assert _overlapping_pauses(collector) == 0
    assert collector.enabled is enabled


def test_a_pause_switches_the_real_collector_off_and_on():
    assert gc.isenabled()
    with frames.collections_paused():
        assert not gc.isenabled()
        with frames.collections_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_concurrently_runs_postgresql_reads_side_by_side_in_order():
    both_running = threading.Barrier(2, timeout=5)

    def read(value):
        def run():
            both_running.wait()            # times out unless the other read runs too
            return value
        return run

    assert frames.concurrently(POSTGRES, read("a"), read("b")) == ["a", "b"]


def test_concurrently_runs_sqlite_reads_one_after_the_other():
    threads = []

    def read(value):
        def run():
            threads.append(threading.current_thread())
            return value
        return run

    assert frames.concurrently(SQLITE, read(1), read(2), read(3)) == [1, 2, 3]
    assert threads == [threading.current_thread()] * 3


def test_concurrently_raises_a_reads_exception():
    def failing():
        raise LookupError("no such estate")

    for engine in (POSTGRES, SQLITE):
        with pytest.raises(LookupError, match="no such estate"):
            frames.concurrently(engine, lambda: 1, failing)


def test_nested_reads_in_the_pool_run_one_after_the_other():
    def inner():
        return threading.current_thread().name

    def outer():
        return frames.concurrently(POSTGRES, inner, inner)

    _, names = frames.concurrently(POSTGRES, lambda: None, outer)
    pool_thread = names[0]
    assert pool_thread.startswith("data-access-read")
    assert names == [pool_thread, pool_thread]
