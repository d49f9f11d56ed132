"""Facilities: create, get, list, patch with optimistic locking."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from order_service.core.keys import STATUS_SHARDS, shard_of
from tests.builders import facility_body


def test_create_get_and_list(api):
    created = api.post("/api/facilities", facility_body("Berlin", tenantFacilityId="BER-1"))

    assert created.status == 201
    facility = created.body
    assert facility["status"] == "ONLINE" and facility["version"] == 1
    assert created.headers["Location"] == f"/api/facilities/{facility['id']}"
    assert api.get(f"/api/facilities/{facility['id']}").body == facility
    assert api.get("/api/facilities").body["facilities"] == [facility]
    assert api.get("/api/facilities", query={"status": "ONLINE"}).body == {"facilities": [facility], "total": 1}


def test_patch_changes_status_with_the_right_version(api):
    facility = api.post("/api/facilities", facility_body()).body

    reply = api.patch(f"/api/facilities/{facility['id']}", {"version": 1, "status": "SUSPENDED", "name": "B2"})

    assert reply.status == 200
    assert (reply.body["status"], reply.body["name"], reply.body["version"]) == ("SUSPENDED", "B2", 2)
    assert reply.body["address"] == facility["address"]


def test_patch_with_a_stale_version_is_a_409(api):
    facility = api.post("/api/facilities", facility_body()).body
    api.patch(f"/api/facilities/{facility['id']}", {"version": 1, "status": "OFFLINE"})

    reply = api.patch(f"/api/facilities/{facility['id']}", {"version": 1, "status": "ONLINE"})

    assert reply.status == 409
    assert (reply.body[0]["version"], reply.body[0]["requestVersion"]) == (2, 1)
    assert api.get(f"/api/facilities/{facility['id']}").body["status"] == "OFFLINE"


def test_patch_of_a_missing_facility_is_a_404(api):
    reply = api.patch("/api/facilities/nope", {"version": 1, "status": "ONLINE"})

    assert reply.status == 404


def test_listing_pages(api):
    ids = sorted(api.post("/api/facilities", facility_body(f"F{n}")).body["id"] for n in range(5))

    first = api.get("/api/facilities", query={"status": "ONLINE", "size": "3"}).body
    rest = api.get("/api/facilities", query={"status": "ONLINE", "startAfterId": first["facilities"][-1]["id"]}).body

    assert [f["id"] for f in first["facilities"] + rest["facilities"]] == ids


def test_64_facilities_created_through_the_api_fill_every_shard_exactly_twice(api):
    ids = [api.post("/api/facilities", facility_body(f"F{n}")).body["id"] for n in range(2 * STATUS_SHARDS)]

    per_shard = Counter(shard_of(facility_id) for facility_id in ids)

    assert per_shard == dict.fromkeys(range(STATUS_SHARDS), 2)


def test_facilities_created_at_the_same_time_get_shards_of_their_own(api):
    def create(n: int) -> str:
        reply = api.post("/api/facilities", facility_body(f"F{n}"))
        assert reply.status == 201
        return str(reply.body["id"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(create, range(STATUS_SHARDS)))

    assert {shard_of(facility_id) for facility_id in ids} == set(range(STATUS_SHARDS))
    assert api.get("/api/facilities", query={"status": "ONLINE"}).body["total"] == STATUS_SHARDS
