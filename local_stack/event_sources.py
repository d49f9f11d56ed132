"""Lambda's event source mappings, done locally: DynamoDB streams (and later SQS queues) read from
moto and handed to the real handlers with Lambda-shaped events, honouring what template.yaml says:
batch size, filter criteria, partial batch failures, bisection, retries and the on-failure destination.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local_stack import fidelity, template
from local_stack.apigw import LambdaContext
from order_service.core.patterns import PatternError, check, matches

log = logging.getLogger("local_stack.event_sources")


# ------------------------------------------------------------------ filters ----
def passes(filters: list[dict[str, Any]], document: dict[str, Any]) -> bool:
    """Lambda's FilterCriteria: a record passes when there are no filters or one of them matches it. The
    patterns are the service's own engine (`order_service.core.patterns`, EventBridge's semantics)."""
    return not filters or any(matches(f, document) for f in filters)


def _filters(key: str, props: dict[str, Any]) -> list[dict[str, Any]]:
    """A mapping's FilterCriteria patterns, each checked: a pattern Lambda would refuse is refused here
    too, never silently applied."""
    found = []
    for index, entry in enumerate((props.get("FilterCriteria") or {}).get("Filters", [])):
        pattern = json.loads(entry["Pattern"])
        try:
            check(pattern)
        except PatternError as error:
            raise ValueError(f"{key}: FilterCriteria.Filters[{index}]: {error}") from None
        found.append(pattern)
    return found


# ------------------------------------------------------------------ mappings ---
@dataclass
class StreamMapping:
    """One `Type: DynamoDB` event of a function in template.yaml."""

    function: template.Function
    name: str
    table: str
    batch_size: int
    max_retries: int
    bisect: bool
    partial_failures: bool
    on_failure_queue: str | None
    filters: list[dict[str, Any]] = field(default_factory=list)
    batching_window: float = 0.0  # MaximumBatchingWindowInSeconds
    max_record_age: float = -1  # MaximumRecordAgeInSeconds; -1: records never expire

    @property
    def key(self) -> str:
        return f"{self.function.logical_id}.{self.name}"


def _refuse_unknown(key: str, props: dict[str, Any], kind: str) -> None:
    """A mapping setting local_stack/fidelity.py does not list is refused, never silently ignored."""
    unknown = sorted(set(props) - set(fidelity.PROPERTIES[kind]))
    if unknown:
        raise ValueError(f"{key}: the local stack does not run {', '.join(unknown)} (see docs/local_stack.md)")


def stream_mappings() -> list[StreamMapping]:
    found = []
    for function in template.functions().values():
        for name, props in function.events("DynamoDB").items():
            _refuse_unknown(f"{function.logical_id}.{name}", props, "Event DynamoDB")
            if props.get("StartingPosition", "TRIM_HORIZON") != "TRIM_HORIZON":
                raise ValueError(f"{function.logical_id}.{name}: only StartingPosition TRIM_HORIZON runs locally")
            if props.get("Enabled") is False:
                continue
            table = props["Stream"]["Fn::GetAtt"][0]
            destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
            found.append(
                StreamMapping(
                    function=function,
                    name=name,
                    table=table,
                    batch_size=int(props.get("BatchSize", 100)),
                    max_retries=int(props.get("MaximumRetryAttempts", -1)),
                    bisect=bool(props.get("BisectBatchOnFunctionError", False)),
                    partial_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                    on_failure_queue=destination["Fn::GetAtt"][0] if destination else None,
                    filters=_filters(f"{function.logical_id}.{name}", props),
                    batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                    max_record_age=float(props.get("MaximumRecordAgeInSeconds", -1)),
                )
            )
    return found


# ------------------------------------------------------------------ delivery ---
Invoke = Callable[[template.Function, dict[str, Any]], Any]


def invoke_handler(function: template.Function, event: dict[str, Any]) -> Any:
    return template.handler(function)(event, LambdaContext(function.logical_id))


@dataclass
class Delivery:
    """What became of one batch: records that finally failed went to the on-failure destination."""

    invocations: int = 0
    failed_records: list[dict[str, Any]] = field(default_factory=list)


def deliver(
    mapping: StreamMapping,
    records: list[dict[str, Any]],
    invoke: Invoke = invoke_handler,
    send_failure: Callable[[StreamMapping, list[dict[str, Any]], str], None] | None = None,
) -> Delivery:
    """Hands `records` (already filtered) to the function in batches, as Lambda does for a shard.

    - partial batch response: the batch is retried from the lowest failed sequence number;
    - an exception (function error): with bisection the batch is split in two and each half retried;
    - after MaximumRetryAttempts the records still failing go to the on-failure destination;
    - records older than MaximumRecordAgeInSeconds are not handed over: they go there at once.
    """
    outcome = Delivery()
    if mapping.max_record_age >= 0:
        oldest = time.time() - mapping.max_record_age
        expired = [r for r in records if r["dynamodb"].get("ApproximateCreationDateTime", oldest) < oldest]
        if expired:  # Lambda discards them unread and reports them to the on-failure destination
            log.warning("%s: %d records older than %.0f s skipped", mapping.key, len(expired), mapping.max_record_age)
            outcome.failed_records.extend(expired)
            if send_failure:
                send_failure(mapping, expired, "RecordAgeExceeded")
            records = [r for r in records if r not in expired]
    for start in range(0, len(records), mapping.batch_size):
        pending = [(records[start : start + mapping.batch_size], 0)]
        while pending:
            batch, attempt = pending.pop(0)
            outcome.invocations += 1
            try:
                response = invoke(mapping.function, {"Records": batch})
                failed = (
                    [f["itemIdentifier"] for f in (response or {}).get("batchItemFailures", [])]
                    if mapping.partial_failures
                    else []
                )
            except Exception:
                log.warning("%s failed on a batch of %d", mapping.key, len(batch), exc_info=True)
                if mapping.bisect and len(batch) > 1 and (mapping.max_retries < 0 or attempt < mapping.max_retries):
                    middle = len(batch) // 2
                    pending[:0] = [(batch[:middle], attempt + 1), (batch[middle:], attempt + 1)]
                    continue
                failed = [batch[0]["dynamodb"]["SequenceNumber"]]
            if not failed:
                continue
            failed_set = set(failed)
            first = next((i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed_set), 0)
            remainder = batch[first:]
            if mapping.max_retries >= 0 and attempt >= mapping.max_retries:
                outcome.failed_records.extend(remainder)
                if send_failure:
                    send_failure(mapping, remainder, "RetryAttemptsExhausted")
                continue
            pending.insert(0, (remainder, attempt + 1))
    return outcome


# ------------------------------------------------------------------ reading ----
class StreamReader:
    """New records of one DynamoDB stream (moto), with a fresh iterator per read (moto's iterators go
    stale after a failed TransactWriteItems)."""

    def __init__(self, streams_client: Any, stream_arn: str, table_logical_id: str) -> None:
        self.client = streams_client
        self.stream_arn = stream_arn
        self.table = table_logical_id
        self.positions: dict[str, str | None] = {}

    def read(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        shards = self.client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            last = self.positions.get(shard_id)
            if last:
                iterator = self.client.get_shard_iterator(
                    StreamArn=self.stream_arn,
                    ShardId=shard_id,
                    ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                    SequenceNumber=last,
                )["ShardIterator"]
            else:
                iterator = self.client.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            while iterator:
                response = self.client.get_records(ShardIterator=iterator, Limit=1000)
                batch = response.get("Records", [])
                if not batch:
                    break
                for record in batch:
                    record["eventSourceARN"] = self.stream_arn  # moto omits it; Lambda's records have it
                    record["awsRegion"] = template.REGION  # moto says us-east-1 whatever the region
                    created = record["dynamodb"].get("ApproximateCreationDateTime")
                    if hasattr(created, "timestamp"):  # Lambda's records carry epoch seconds
                        record["dynamodb"]["ApproximateCreationDateTime"] = int(created.timestamp())
                    records.append(_jsonable(record))
                self.positions[shard_id] = batch[-1]["dynamodb"]["SequenceNumber"]
                iterator = response.get("NextShardIterator")
        return records


def _jsonable(record: dict[str, Any]) -> dict[str, Any]:
    """A record as Lambda would serialise it (bytes and datetimes made JSON-safe)."""
    return json.loads(json.dumps(record, default=str))


class StreamPump:
    """Every DynamoDB event source mapping of template.yaml, each with its own position in its stream."""

    def __init__(
        self,
        streams_client: Any,
        stream_arns: dict[str, str],
        sqs_client: Any = None,
        invoke: Invoke = invoke_handler,
        batching_windows: bool = False,
    ) -> None:
        """`batching_windows`: wait up to each mapping's MaximumBatchingWindowInSeconds for a full batch,
        as Lambda does (the local stack); without, every read is delivered at once (tests)."""
        self.mappings = stream_mappings()
        self.batching_windows = batching_windows
        self.pending: dict[str, list[dict[str, Any]]] = {m.key: [] for m in self.mappings}
        self.pending_since: dict[str, float] = {}
        # one reader per stream, shared by the mappings on it: each record is read once, however many read it
        self.readers = {m.table: StreamReader(streams_client, stream_arns[m.table], m.table) for m in self.mappings}
        self.sqs = sqs_client
        self.invoke = invoke
        self.failed: list[dict[str, Any]] = []

    def send_failure(self, mapping: StreamMapping, records: list[dict[str, Any]], condition: str) -> None:
        """Lambda's on-failure record: where the batch was, not the records themselves."""
        self.failed.extend(records)
        if not (self.sqs and mapping.on_failure_queue):
            return
        sequences = [r["dynamodb"]["SequenceNumber"] for r in records]
        message = {
            "requestContext": {
                "functionArn": template.arn(mapping.function.logical_id),
                "condition": condition,
                "approximateInvokeCount": mapping.max_retries + 1,
            },
            "DDBStreamBatchInfo": {
                "streamArn": records[0]["eventSourceARN"],
                "batchSize": len(records),
                "startSequenceNumber": sequences[0],
                "endSequenceNumber": sequences[-1],
            },
        }
        url = self.sqs.get_queue_url(QueueName=template.physical_name(mapping.on_failure_queue))["QueueUrl"]
        self.sqs.send_message(QueueUrl=url, MessageBody=json.dumps(message))

    def pump_once(self) -> int:
        """Reads every stream once and hands each mapping the records its filters let through.
        Returns how many records were read (0: nothing new anywhere)."""
        handled = 0
        now = time.monotonic()
        for table, reader in self.readers.items():
            records = reader.read()
            for mapping in (m for m in self.mappings if m.table == table):
                passing = [r for r in records if passes(mapping.filters, r)]
                if passing:
                    self.pending[mapping.key].extend(passing)
                    self.pending_since.setdefault(mapping.key, now)
            handled += len(records)
        for mapping in self.mappings:
            batch = self.pending[mapping.key]
            if batch and (not self.batching_windows or len(batch) >= mapping.batch_size or self._due(mapping) <= 0):
                self.pending[mapping.key] = []
                del self.pending_since[mapping.key]
                deliver(mapping, batch, self.invoke, self.send_failure)
        return handled

    def skip_to_end(self) -> None:
        """Every stream read to its end without handing anything over."""
        for reader in self.readers.values():
            while reader.read():
                pass

    def _due(self, mapping: StreamMapping) -> float:
        """Seconds until `mapping`'s batching window closes (it opened with its first pending record)."""
        return self.pending_since[mapping.key] + mapping.batching_window - time.monotonic()

    def next_due(self) -> float | None:
        """Seconds until the earliest open batching window closes; None when nothing waits."""
        waiting = [self._due(m) for m in self.mappings if self.pending[m.key]]
        return max(0.0, min(waiting)) if waiting else None

    def drain(self, rounds: int = 20) -> None:
        """Until no mapping sees a new record (a pick job's INSERT is itself a new record)."""
        for _ in range(rounds):
            if not self.pump_once():
                return
        raise RuntimeError("streams did not settle")


# ---------------------------------------------------------------------- SQS ----
@dataclass
class QueueMapping:
    """One `Type: SQS` event of a function in template.yaml."""

    function: template.Function
    name: str
    queue: str
    batch_size: int
    partial_failures: bool
    filters: list[dict[str, Any]] = field(default_factory=list)
    max_concurrency: int = 1  # ScalingConfig.MaximumConcurrency: batches handled at once

    @property
    def key(self) -> str:
        return f"{self.function.logical_id}.{self.name}"


def queue_mappings() -> list[QueueMapping]:
    found = []
    for function in template.functions().values():
        for name, props in function.events("SQS").items():
            key = f"{function.logical_id}.{name}"
            _refuse_unknown(key, props, "Event SQS")
            if float(props.get("MaximumBatchingWindowInSeconds", 0)) > 0:
                raise ValueError(f"{key}: an SQS batching window does not run locally (only 0)")
            if props.get("Enabled") is False:
                continue
            found.append(
                QueueMapping(
                    function=function,
                    name=name,
                    queue=props["Queue"]["Fn::GetAtt"][0],
                    batch_size=int(props.get("BatchSize", 10)),
                    partial_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                    filters=_filters(key, props),
                    max_concurrency=int((props.get("ScalingConfig") or {}).get("MaximumConcurrency", 1)),
                )
            )
    return found


def sqs_record(message: dict[str, Any], queue_logical_id: str) -> dict[str, Any]:
    """An SQS message as Lambda hands it to a function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": message.get("MessageAttributes") or {},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": template.arn(queue_logical_id),
        "awsRegion": template.REGION,
    }


class QueuePump:
    """Every SQS event source mapping of template.yaml: receive a batch, invoke, delete what succeeded.

    What failed stays on the queue: it comes back after its visibility timeout (which a function may
    have changed, as the webhook sender does for backoff) and the queue's redrive policy moves it to
    the dead-letter queue after maxReceiveCount receives - as with Lambda.

    With `background=True` (the local stack), a mapping whose template says
    `ScalingConfig: MaximumConcurrency: N` has up to N batches in flight, as Lambda scales its pollers:
    the next batch is received while a slow one is still being handled.
    """

    def __init__(
        self,
        sqs_client: Any,
        queue_urls: dict[str, str],
        invoke: Invoke = invoke_handler,
        wait_seconds: int = 0,
        background: bool = False,
    ) -> None:
        """`wait_seconds`: long polling, as Lambda's pollers do (20 s); 0 answers at once (tests)."""
        self.sqs = sqs_client
        self.urls = queue_urls
        self.invoke = invoke
        self.wait_seconds = wait_seconds
        self.mappings = queue_mappings()
        self.slots = {m.key: threading.BoundedSemaphore(m.max_concurrency) for m in self.mappings if background}

    def pump_mapping(self, mapping: QueueMapping) -> int:
        slot = self.slots.get(mapping.key) if mapping.max_concurrency > 1 else None
        # received messages are invisible to others: take them only with a free slot (and come back to
        # the poller's loop now and then, so that it can stop)
        if slot and not slot.acquire(timeout=1):
            return 0
        url = self.urls[mapping.queue]
        try:
            messages = self.sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(mapping.batch_size, 10),
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=self.wait_seconds,
            ).get("Messages", [])
        except Exception:
            if slot:
                slot.release()
            raise
        if not messages:
            if slot:
                slot.release()
            return 0
        if slot:

            def handle_then_free() -> None:
                try:
                    self._handle(mapping, url, messages)
                finally:
                    slot.release()

            threading.Thread(target=handle_then_free, name=f"{mapping.key} batch", daemon=True).start()
        else:
            self._handle(mapping, url, messages)
        return len(messages)

    def _handle(self, mapping: QueueMapping, url: str, messages: list[dict[str, Any]]) -> None:
        """Invokes the function with one received batch and deletes what it did not report failed."""
        records = [sqs_record(m, mapping.queue) for m in messages]
        dropped = (
            [
                r
                for r in records
                if not passes(
                    mapping.filters, json.loads(r["body"]) if r["body"].startswith("{") else {"body": r["body"]}
                )
            ]
            if mapping.filters
            else []
        )
        batch = [r for r in records if r not in dropped]
        failed: set[str] = set()
        if batch:
            try:
                response = self.invoke(mapping.function, {"Records": batch})
                if mapping.partial_failures:
                    failed = {f["itemIdentifier"] for f in (response or {}).get("batchItemFailures", [])}
            except Exception:
                log.warning("%s failed on a batch of %d", mapping.key, len(batch), exc_info=True)
                failed = {r["messageId"] for r in batch}
        done = [r for r in records if r["messageId"] not in failed]
        for start in range(0, len(done), 10):
            self.sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(done[start : start + 10])
                ],
            )

    def pump_once(self) -> int:
        return sum(self.pump_mapping(mapping) for mapping in self.mappings)


# ----------------------------------------------------------------- schedules ---
@dataclass
class Schedule:
    """One `Type: Schedule` event of a function in template.yaml."""

    function: template.Function
    name: str
    expression: str

    @property
    def key(self) -> str:
        return f"{self.function.logical_id}.{self.name}"

    @property
    def interval_seconds(self) -> float:
        match = re.fullmatch(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", self.expression.strip())
        if not match:
            raise ValueError(f"{self.key}: only rate() schedules run locally, not {self.expression}")
        unit = {"minute": 60, "hour": 3600, "day": 86400}[match.group(2).rstrip("s")]
        return int(match.group(1)) * unit

    def event(self) -> dict[str, Any]:
        """What EventBridge Scheduler hands the function."""
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": template.ACCOUNT,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "region": template.REGION,
            "resources": [template.arn(self.function.logical_id)],
            "detail": {},
        }

    def run(self, invoke: Invoke = invoke_handler) -> Any:
        return invoke(self.function, self.event())


def schedules() -> list[Schedule]:
    return [
        Schedule(function, name, props["Schedule"])
        for function in template.functions().values()
        for name, props in function.events("Schedule").items()
        if props.get("Enabled", True) is not False
    ]
