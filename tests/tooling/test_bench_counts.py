"""The counting parts of `make bench` (not timings): they must keep working, and their counts are
facts about the design - PutEvents in chunks of 10, one write per pick job, a reroute run reading
only its candidates."""

from __future__ import annotations

import os

import pytest

from tools import bench


@pytest.fixture(autouse=True)
def restored_environment():
    """The bench sets up its own environment; the tests after this one get theirs back."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_put_events_per_records_and_writes_per_pick_job():
    put_events, jobs, writes_per_job = bench.stream_work(orders=25)

    assert jobs == 25
    assert put_events == 3  # 25 records -> chunks of 10, 10, 5
    assert writes_per_job == 1


def test_a_reroute_run_reads_only_its_candidates():
    reads = bench.reroute_reads(noise=500, candidates=5)

    assert reads["rerouted"] == 5
    assert reads["ScannedCount"] <= 5 + 3  # the candidates, the ONLINE facilities, no waiting orders
