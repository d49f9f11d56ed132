"""WebhookEventsQueue (every event on the bus) -> one delivery message per subscription."""

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from order_service.webhooks import service as webhooks

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    envelope = json.loads(record.body)["detail"]  # an EventBridge event; detail is the envelope
    queued = webhooks.fan_out(envelope)
    logger.info("event fanned out", extra={"event_id": envelope["eventId"], "deliveries": queued})


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
