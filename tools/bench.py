"""`make bench`: performance figures measured side by side in one run, reported as ratios.

Never a pass/fail on these shared, noisy machines: a report to read and compare.

1. Cold start: each function's handler import (plus the clients it creates) in a fresh
   process, beside a bare `import boto3` + one client, same interpreter. Goal <= 1.3x.
2. Stream work (moto, in process): PutEvents calls per 100 stream records (goal <= 10) and
   DynamoDB writes per pick job (goal 1).
4. Reroute (moto, in process): items read by one run (ScannedCount summed over its queries) with
   10,000 non-candidate pick jobs and 10 candidates (goal: a small constant above 10).
3. Local stack (`make run` in a child process): requests/s for create and unlock over HTTP beside
   raw PutItem/s against the same moto server (goal ratio >= 0.5), and p50/p99 latency from UNLOCK
   to the webhook received by the inbox (goal p50 < 1 s).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from local_stack import template

RUNS = int(os.environ.get("BENCH_RUNS", "7"))

BASELINE = "import boto3; boto3.client('dynamodb')"
HANDLER = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("handler_under_test", {source!r})
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
if "order_service.core.dynamo" in sys.modules:
    sys.modules["order_service.core.dynamo"].client()
"""
TIMER = "import time; _t = time.perf_counter()\n{code}\nprint(time.perf_counter() - _t)"


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        AWS_DEFAULT_REGION=template.REGION,
        AWS_ACCESS_KEY_ID="x",
        AWS_SECRET_ACCESS_KEY="x",
        PYTHONPATH=os.pathsep.join([str(template.ROOT / "shared"), str(template.ROOT)]),
    )
    for function in template.functions().values():
        env.update(function.environment())
    return env


def _time(code: str, env: dict[str, str]) -> float:
    out = subprocess.run(
        [sys.executable, "-c", TIMER.format(code=code)], env=env, capture_output=True, text=True, check=True, cwd="/tmp"
    )
    return float(out.stdout.strip().splitlines()[-1])


def cold_start() -> list[tuple[str, float, float, float]]:
    env = _environment()
    functions = sorted(template.functions().values(), key=lambda f: f.logical_id)
    samples: dict[str, list[float]] = {name: [] for name in ["baseline", *(f.logical_id for f in functions)]}
    for _ in range(RUNS):  # interleaved, so that machine noise hits every candidate alike
        samples["baseline"].append(_time(BASELINE, env))
        for function in functions:
            samples[function.logical_id].append(_time(HANDLER.format(source=str(function.source)), env))
    base = statistics.median(samples["baseline"])
    return [
        (name, statistics.median(values), min(values), statistics.median(values) / base)
        for name, values in samples.items()
    ]


def stream_work(orders: int = 100) -> tuple[int, int, float]:
    """(PutEvents calls for `orders` INSERT records, pick jobs created, DynamoDB writes per pick job)."""
    import json
    from collections import Counter
    from contextlib import ExitStack

    os.environ.update(_environment(), AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled", POWERTOOLS_LOG_LEVEL="ERROR")
    import boto3
    from moto import mock_aws

    from local_stack import provision
    from local_stack.apigw import LambdaContext, rest_event
    from local_stack.event_sources import StreamReader
    from tools.make_events import BODIES, SAMPLE_AUTHORIZER

    functions = template.functions()
    with ExitStack() as stack:
        stack.enter_context(mock_aws())
        created = provision.create_all(boto3.Session())
        from order_service.core import dynamo
        from order_service.events import bus as event_bus

        for factory in (dynamo.client, event_bus.client):
            factory.cache_clear()
        call = template.handler(functions["FacilitiesApiFunction"])
        call(
            rest_event(
                "POST",
                "/api/facilities",
                "/api/facilities",
                body=json.dumps(BODIES["CreateFacility"]),
                authorizer=SAMPLE_AUTHORIZER,
            ),
            LambdaContext("bench"),
        )
        create = template.handler(functions["OrdersApiFunction"])
        body = json.dumps({**BODIES["CreateOrder"], "status": "OPEN"})
        for _ in range(orders):
            reply = create(
                rest_event("POST", "/api/orders", "/api/orders", body=body, authorizer=SAMPLE_AUTHORIZER),
                LambdaContext("bench"),
            )
            assert reply["statusCode"] == 201, reply
        reader = StreamReader(boto3.client("dynamodbstreams"), created["streams"]["OrdersTable"], "OrdersTable")
        records = reader.read()

        calls: Counter[str] = Counter()

        def count(event_name: str, **_: object) -> None:
            calls[event_name] += 1

        event_bus.client().meta.events.register("before-call", count)
        dynamo.client().meta.events.register("before-call.dynamodb", count)
        template.handler(functions["EventPublisherFunction"])({"Records": records}, LambdaContext("bench"))
        put_events = sum(n for name, n in calls.items() if name.endswith(".PutEvents"))
        calls.clear()
        template.handler(functions["PickJobCreatorFunction"])({"Records": records}, LambdaContext("bench"))
        writes = sum(
            n
            for name, n in calls.items()
            if name.split(".")[-1] in ("PutItem", "UpdateItem", "TransactWriteItems", "BatchWriteItem", "DeleteItem")
        )
        jobs = boto3.client("dynamodb").scan(TableName="PickJobsTable", Select="COUNT")["Count"]
    return put_events, jobs, writes / max(jobs, 1)


def reroute_reads(noise: int = 10_000, candidates: int = 10) -> dict[str, int]:
    from contextlib import ExitStack
    from datetime import timedelta

    os.environ.update(_environment(), AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled", POWERTOOLS_LOG_LEVEL="ERROR")
    import boto3
    from moto import mock_aws

    from local_stack import provision

    with ExitStack() as stack:
        stack.enter_context(mock_aws())
        provision.create_all(boto3.Session())
        from order_service.configurations import store as configurations
        from order_service.configurations.models import RerouteConfigurationForUpdate
        from order_service.core import clock, dynamo
        from order_service.facilities.models import FacilityForCreation
        from order_service.facilities.routing import Routing
        from order_service.facilities.rules import new_facility
        from order_service.orders import rules as orders
        from order_service.orders import store as order_store
        from order_service.pickjobs import reroute
        from order_service.pickjobs import rules as pickjobs
        from order_service.pickjobs import store as pickjob_store

        dynamo.client.cache_clear()
        now = clock.now()
        old, young = clock.iso(now - timedelta(days=2)), clock.iso(now)
        for name in ("A", "B"):
            facility = new_facility(FacilityForCreation(name=name).model_dump(exclude_none=True), young)
            dynamo.put_new("FacilitiesTable", facility)
        facility_id = next(iter(dynamo.client().scan(TableName="FacilitiesTable")["Items"]))["id"]["S"]
        configurations.put_reroute(RerouteConfigurationForUpdate(active=True, rerouteAfterMinutes=60, version=0), young)
        routing: Routing = {"facilityRef": facility_id, "status": "ROUTED", "routedAt": old, "attempts": []}
        request = {
            "orderDate": old,
            "consumer": {"addresses": []},
            "orderLineItems": [{"article": {"tenantArticleId": "a", "title": "A"}, "quantity": 1}],
        }
        for _ in range(candidates):
            order = orders.new_order(request, routing, old)
            order_store.put_new(order)
            pickjob_store.create(pickjobs.new_pickjob(order, old))
        ddb = dynamo.client()
        template_job = pickjobs.new_pickjob(orders.new_order(request, routing, old), old)
        for start in range(0, noise, 25):
            items = []
            for n in range(start, min(start + 25, noise)):
                job = {**template_job, "id": f"noise-{n}", "orderRef": f"noise-order-{n}"}
                # half are OPEN but young, half are old but already PICKED: neither is a candidate
                job.update({"created": young} if n % 2 else {"status": "PICKED"})
                items.append({"PutRequest": {"Item": dynamo.to_item(job)}})
            ddb.batch_write_item(RequestItems={"PickJobsTable": items})

        scanned = {"ScannedCount": 0, "queries": 0, "item reads": 0}

        def count(http_response: object, parsed: dict, model: object, **_: object) -> None:
            operation = getattr(model, "name", "")
            if operation in ("Query", "Scan"):
                scanned["ScannedCount"] += parsed.get("ScannedCount", 0)
                scanned["queries"] += 1
            elif operation in ("GetItem", "BatchGetItem"):
                scanned["item reads"] += 1

        ddb.meta.events.register("after-call.dynamodb", count)
        report = reroute.run(now)
        scanned["rerouted"] = report.rerouted
        return scanned


def local_stack_figures(requests: int = 100, latencies: int = 30) -> dict[str, float]:
    import boto3

    from local_stack import process
    from tools.make_events import BODIES

    stack = process.start()
    try:
        body = BODIES["CreateOrder"]
        started = time.perf_counter()
        ids = []
        for _ in range(requests):
            status, order = stack.call("POST", "/api/orders", body)
            assert status == 201, order
            ids.append(order["id"])
        create_rps = requests / (time.perf_counter() - started)
        started = time.perf_counter()
        for order_id in ids:
            status, _ = stack.call("POST", f"/api/orders/{order_id}/actions", {"name": "UNLOCK", "version": 1})
            assert status == 200
        unlock_rps = requests / (time.perf_counter() - started)

        ddb = boto3.client(
            "dynamodb",
            endpoint_url=stack.moto,
            region_name=template.REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        started = time.perf_counter()
        for n in range(requests):
            ddb.put_item(TableName="IdempotencyTable", Item={"id": {"S": f"bench-{n}"}, "data": {"S": "x" * 500}})
        put_rps = requests / (time.perf_counter() - started)

        samples = []
        for _ in range(latencies):
            status, order = stack.call("POST", "/api/orders", body)
            deadline = time.monotonic() + 10
            while not any(i["body"]["payload"]["id"] == order["id"] for i in stack.inbox_items("ORDER_CREATED")):
                if time.monotonic() > deadline:
                    raise RuntimeError("ORDER_CREATED never reached the inbox")
                time.sleep(0.02)
            sent = time.time()
            stack.call("POST", f"/api/orders/{order['id']}/actions", {"name": "UNLOCK", "version": 1})
            while True:
                hits = [i for i in stack.inbox_items("ORDER_UNLOCKED") if i["body"]["payload"]["id"] == order["id"]]
                if hits:
                    samples.append(hits[0]["receivedAt"] - sent)
                    break
                if time.monotonic() > deadline + 10:
                    raise RuntimeError("ORDER_UNLOCKED never reached the inbox")
                time.sleep(0.01)
    finally:
        process.stop(stack)
    samples.sort()
    return {
        "create_rps": create_rps,
        "unlock_rps": unlock_rps,
        "put_rps": put_rps,
        "p50": samples[len(samples) // 2],
        "p99": samples[min(len(samples) - 1, int(len(samples) * 0.99))],
    }


def main() -> None:
    started = time.perf_counter()
    print(f"# Cold start: handler import + its clients, fresh process, median of {RUNS} (goal <= 1.30x)")
    print(f"{'':32} {'median ms':>10} {'best ms':>8} {'ratio':>7}")
    for name, median, best, ratio in cold_start():
        flag = "" if name == "baseline" or ratio <= 1.3 else "  over goal"
        print(f"{name:32} {median * 1000:10.0f} {best * 1000:8.0f} {ratio:6.2f}x{flag}")
    put_events, jobs, writes_per_job = stream_work()
    print("\n# Stream work (moto in process)")
    print(f"PutEvents calls per 100 stream records: {put_events} (goal <= 10)")
    print(f"DynamoDB writes per pick job: {writes_per_job:.2f} over {jobs} pick jobs (goal 1)")
    reads = reroute_reads()
    print("\n# Reroute run (moto in process): 10,000 non-candidate pick jobs, 10 candidates")
    print(
        f"items read by the run's queries (ScannedCount): {reads['ScannedCount']} in {reads['queries']} queries "
        f"(goal: a small constant above 10); GetItem/BatchGetItem calls: {reads['item reads']}; "
        f"rerouted: {reads['rerouted']}"
    )
    figures = local_stack_figures()
    print("\n# Local stack over HTTP (make run), one run, side by side")
    print(
        f"create over HTTP:  {figures['create_rps']:7.1f} req/s   ratio to raw PutItem "
        f"{figures['create_rps'] / figures['put_rps']:.2f} (goal >= 0.5)"
    )
    print(
        f"unlock over HTTP:  {figures['unlock_rps']:7.1f} req/s   ratio to raw PutItem "
        f"{figures['unlock_rps'] / figures['put_rps']:.2f}"
    )
    print(f"raw PutItem:       {figures['put_rps']:7.1f} req/s   (boto3 straight to the same moto server)")
    print(
        f"UNLOCK -> webhook received: p50 {figures['p50'] * 1000:.0f} ms, p99 {figures['p99'] * 1000:.0f} ms "
        "(goal p50 < 1 s)"
    )
    print(f"\n(bench took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
