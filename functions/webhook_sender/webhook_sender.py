"""WebhookDeliveryQueue -> one signed POST per message.

The messages of a batch are sent concurrently, each with its own deadline, so a hanging receiver
never delays another subscriber's delivery in the same batch; the next batches are not held either,
because the event source runs batches side by side (template.yaml: ScalingConfig.MaximumConcurrency).
(Powertools' BatchProcessor handles records one after another, which is why this handler builds its
partial batch response itself.) A failed delivery stays on the queue with
its visibility timeout set to the backoff; after WEBHOOK_MAX_TRIES it is recorded as a dead letter.
"""

import json
import threading
from typing import Any

from aws_lambda_powertools import Logger

from order_service.core.config import settings
from order_service.webhooks import service as webhooks

logger = Logger()


def process(record: dict[str, Any]) -> bool:
    """True when the message is done with (delivered, dead-lettered or dropped)."""
    try:
        attempt = int(record["attributes"].get("ApproximateReceiveCount", "1"))
        result = webhooks.deliver(json.loads(record["body"]), attempt)
    except Exception:
        logger.exception("delivery failed unexpectedly", extra={"message_id": record["messageId"]})
        return False
    if not result.done:
        webhooks.sqs().change_message_visibility(
            QueueUrl=settings().delivery_queue_url,
            ReceiptHandle=record["receiptHandle"],
            VisibilityTimeout=result.retry_in,
        )
    return result.done


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = event["Records"]
    # One thread per message and per invocation: a pool shared across invocations (the local stack runs
    # batches side by side in one process) would let hanging receivers take every worker. Daemon threads:
    # a process that exits does not wait for a hanging receiver (the message simply comes back).
    done = [False] * len(records)

    def send(index: int) -> None:
        done[index] = process(records[index])

    threads = [threading.Thread(target=send, args=(i,), daemon=True) for i in range(len(records))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r, ok in zip(records, done, strict=True) if not ok]
    }
