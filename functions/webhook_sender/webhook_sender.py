"""WebhookDeliveryQueue -> one signed POST per message.

The messages of a batch are sent concurrently, each with its own deadline, so a hanging receiver
never delays another subscriber's delivery in the same batch; the next batches are not held either,
because the event source runs batches side by side (template.yaml: ScalingConfig.MaximumConcurrency).
(Powertools' BatchProcessor handles records one after another, which is why this handler builds its
partial batch response itself.) A failed delivery stays on the queue with
its visibility timeout set to the backoff; after WEBHOOK_MAX_TRIES it is recorded as a dead letter.
Each invocation counts what became of its messages (WebhooksDelivered, WebhookTriesFailed,
WebhookDeadLetters: the dashboard and WebhookDeadLettersAlarm read them), once the threads are done.
"""

import json
import threading
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from order_service.core.config import settings
from order_service.webhooks import service as webhooks

logger = Logger()
metrics = Metrics()
COUNTED: dict[webhooks.MessageFate, str] = {
    "DELIVERED": "WebhooksDelivered",
    "RETRY": "WebhookTriesFailed",
    "DEAD": "WebhookDeadLetters",
}


def process(record: dict[str, Any]) -> webhooks.Result | None:
    """What became of the message (done: delivered, dead-lettered or dropped); None when it failed unexpectedly."""
    try:
        attempt = int(record["attributes"].get("ApproximateReceiveCount", "1"))
        result = webhooks.deliver(json.loads(record["body"]), attempt)
    except Exception:
        logger.exception("delivery failed unexpectedly", extra={"message_id": record["messageId"]})
        return None
    if not result.done:
        webhooks.sqs().change_message_visibility(
            QueueUrl=settings().delivery_queue_url,
            ReceiptHandle=record["receiptHandle"],
            VisibilityTimeout=result.retry_in,
        )
    return result


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = event["Records"]
    # One thread per message and per invocation: a pool shared across invocations (the local stack runs
    # batches side by side in one process) would let hanging receivers take every worker. Daemon threads:
    # a process that exits does not wait for a hanging receiver (the message simply comes back).
    results: list[webhooks.Result | None] = [None] * len(records)

    def send(index: int) -> None:
        results[index] = process(records[index])

    threads = [threading.Thread(target=send, args=(i,), daemon=True) for i in range(len(records))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # counted once the threads are done: one add per metric and invocation, none from a sending thread
    fates = [result.fate for result in results if result is not None]
    for fate, name in COUNTED.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=fates.count(fate))
    return {
        "batchItemFailures": [
            {"itemIdentifier": record["messageId"]}
            for record, result in zip(records, results, strict=True)
            if result is None or not result.done
        ]
    }
