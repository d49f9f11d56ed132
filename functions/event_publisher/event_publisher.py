"""Orders and pick jobs streams -> domain events on EventBridge.

Records are turned into envelopes one by one, then published together in requests of at most 10
(order_service.events.bus.publish_in_order). A record that cannot be read, or whose event EventBridge
refused, is reported failed together with every later record of the same item, whose events are held
back: Lambda's retry replays that item's events in order (stable eventIds make repeats harmless).
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from order_service.core import clock, streams
from order_service.core.config import settings
from order_service.events import bus as event_bus
from order_service.events import rules as events
from order_service.holdstats import service as queue_health

logger = Logger()
metrics = Metrics()


def envelopes_of(record: dict[str, Any]) -> list[dict[str, Any]]:
    change, old, new = streams.change_of(record)
    if streams.table_of(record) == settings().pickjobs_table:
        return events.pickjob_events(change, old, new)
    return events.order_events(change, old, new)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    read: dict[str, list[dict[str, Any]]] = {}  # sequence number -> envelopes (absent: the record failed)

    def collect(record: DynamoDBRecord) -> None:
        raw = record.raw_event
        read[raw["dynamodb"]["SequenceNumber"]] = envelopes_of(raw)

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    with processor(records=event["Records"], handler=collect):
        processor.process()

    records = [
        event_bus.StreamRecord(
            r["dynamodb"]["SequenceNumber"], streams.item_of(r), read.get(r["dynamodb"]["SequenceNumber"])
        )
        for r in event["Records"]
    ]
    published = event_bus.publish_in_order(records)
    failed = set(published.failed)
    sent = [e for r in records if r.sequence not in failed for e in r.envelopes or []]
    queue_health.count_released_in_batch(sent, clock.now())  # releasedLastHour: one write per batch
    metrics.add_metric(name="EventsPublished", unit=MetricUnit.Count, value=published.sent)
    if published.refused:
        metrics.add_metric(name="EventsRefused", unit=MetricUnit.Count, value=published.refused)
        logger.warning("events refused by EventBridge", extra={"count": published.refused})
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in published.failed]}
