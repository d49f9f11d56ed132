"""The counting parts of `make bench` (not timings): they must keep working, and their counts are
facts about the design - PutEvents in chunks of 10, one write per pick job, a reroute run reading
only its candidates, the capacity model's write units and busiest partition (arithmetic on stream
images, not a measurement of time)."""

from __future__ import annotations

import os

import pytest

from tools import bench, capacity


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


def test_the_capacity_model_meets_the_goals_for_orders_spread_over_50_facilities():
    # 5 orders per facility; the pick jobs' by-status shards (by pick job id, random) then stay below
    # the goal's share of the writes except with a chance of about 1e-5
    result = capacity.run_scenario(orders=250, facilities=50)

    assert result.amplification <= 2.0
    # the facilities took the 32 shards in turn: 2 share the busiest (one alone: 25,000 orders/s)
    assert result.sharing["OrdersTable/by-status-facility"] == 2
    assert result.hottest["OrdersTable/by-status-facility"][1] == pytest.approx(12_500)
    assert result.throttle_point >= 10_000
