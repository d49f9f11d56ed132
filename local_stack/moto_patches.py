"""Where moto differs from AWS in a way that would hide or fake a bug of ours, we correct moto here.

- DynamoDB applies each request atomically (a conditional write is checked and applied as one
  step). moto's backend is not thread-safe: two concurrent conditional UpdateItems can both pass
  their condition, and concurrent scans can crash on a dict changing size. We serialise moto's
  DynamoDB requests so that concurrency tests exercise our conditions, not moto's races.
  (A read-then-write in our code would still race: the lock spans one request, not two.)
- EventBridge: moto stores a target's RetryPolicy and DeadLetterConfig but ignores them; a failed
  delivery fails the PutEvents call. We retry it (MaximumRetryAttempts times, at once rather than over
  hours) and then send the event to the dead-letter queue with EventBridge's error attributes.
- Speed only (the local stack's moto process): DynamoDB's item answers serialised with json.dumps; a
  new item's size checked once instead of once per attribute; SQS receives without recounting the
  queue for every message they hand out; the name lookups of moto's request dispatch cached.
"""

from __future__ import annotations

import base64
import calendar
import datetime
import functools
import json
import threading
from typing import Any

_lock = threading.RLock()
_applied = False


def serialise_dynamodb_requests() -> None:
    global _applied
    if _applied:
        return
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action

    @functools.wraps(original)
    def call_action(self: Any) -> Any:
        with _lock:
            return original(self)

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
    _applied = True


# DynamoDB's data-plane answers: items in, items out. moto builds them as plain dicts already; its generic
# serializer then walks botocore's shapes member by member, which costs more than the operation itself
# (about half of a Query's time in moto). For these answers plain JSON is the same document.
DATA_PLANE = {
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
}


def _wire(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime.datetime):
        # as moto's serializer: a naive datetime is UTC; truncated to whole milliseconds
        seconds = calendar.timegm(value.utctimetuple() if value.tzinfo else value.timetuple())
        return seconds + (value.microsecond // 1000) / 1000.0 if value.microsecond else seconds
    raise TypeError(f"not serialisable: {type(value)}")


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


STREAM_READS = {"GetRecords"}  # DynamoDB Streams: records are items too


def fast_dynamodb_answers() -> None:
    """Serialises the answers of DATA_PLANE operations (and Streams' GetRecords) with json.dumps; errors
    and everything else keep moto's serializer."""
    from moto.core.responses import ActionResult
    from moto.dynamodb.responses import DynamoResult

    _fast_answers(DynamoResult, "dynamodb", DATA_PLANE)
    _fast_answers(ActionResult, "dynamodbstreams", STREAM_READS)


def _fast_answers(result_class: Any, service: str, operations: set[str]) -> None:
    original = result_class.execute_result

    @functools.wraps(original)
    def execute_result(self: Any, context: Any) -> Any:
        if (
            context.service_model.service_name != service
            or context.operation_model.name not in operations
            or isinstance(self.result, Exception)
            or not isinstance(self.result, dict)
        ):
            return original(self, context)
        members = context.operation_model.output_shape.members  # moto may add members the API lacks
        answer = {k: v for k, v in self.result.items() if k in members}
        body = json.dumps(_without_none(answer), default=_wire, separators=(",", ":"))
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

    result_class.execute_result = execute_result


def cached_jsonpaths() -> None:
    """moto's EventBridge builds a JSONPath parser (a PLY grammar) for every target of every event it
    delivers; a parsed path never changes, so each is parsed once."""
    import jsonpath_ng.ext

    jsonpath_ng.ext.parse = functools.lru_cache(maxsize=256)(jsonpath_ng.ext.parse)


def eventbridge_retries_and_dead_letters() -> None:
    """A target's RetryPolicy and DeadLetterConfig, for SQS targets (the ones template.yaml has)."""
    global _eventbridge_applied
    if _eventbridge_applied:
        return
    from moto.events.models import Rule

    original = Rule._send_to_sqs_queue

    @functools.wraps(original)
    def send(self: Any, resource_id: str, event: dict[str, Any], group_id: str | None = None) -> None:
        target: dict[str, Any] = next((t for t in self.targets if t["Arn"].rsplit(":", 1)[-1] == resource_id), {})
        attempts = 1 + int((target.get("RetryPolicy") or {}).get("MaximumRetryAttempts", 185))
        dead_letters = (target.get("DeadLetterConfig") or {}).get("Arn")
        for attempt in range(attempts):
            try:
                return original(self, resource_id, dict(event), group_id)
            except Exception as error:
                failure = error
                if attempt == 0 and not dead_letters:
                    raise
                if not _retryable(error):
                    break
        if not dead_letters:
            raise failure
        from moto.sqs import sqs_backends

        sqs_backends[self.account_id][self.region_name].send_message(
            queue_name=dead_letters.rsplit(":", 1)[-1],
            message_body=json.dumps(event, default=str),
            message_attributes={
                name: {"DataType": "String", "StringValue": value}
                for name, value in {
                    "RULE_ARN": self.arn,
                    "TARGET_ARN": target.get("Arn", resource_id),
                    "ERROR_CODE": type(failure).__name__,
                    "ERROR_MESSAGE": str(failure)[:256] or type(failure).__name__,
                }.items()
            },
        )

    Rule._send_to_sqs_queue = send  # type: ignore[method-assign]
    _eventbridge_applied = True


_eventbridge_applied = False


def _retryable(error: Exception) -> bool:
    """EventBridge does not retry a target that does not exist or refuses access: straight to the DLQ."""
    return "NonExistentQueue" not in type(error).__name__ and "does not exist" not in str(error)


def remembered_backends() -> None:
    """moto's server finds the service of every request by trying its several hundred URL patterns in
    turn, under one lock; the answer for a host never changes, so it is remembered."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.get_backend_for_host
    known: dict[str | None, Any] = {}

    @functools.wraps(original)
    def get_backend_for_host(self: Any, host: str | None) -> Any:
        if host not in known:
            known[host] = original(self, host)
        return known[host]

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign]


def cheaper_item_size_check() -> None:
    """moto checks DynamoDB's 400 KB item limit in its attribute dict's __setitem__ by summing the sizes of
    all the attributes set so far, so building an item of n attributes walks them n times (for an order
    of ~25 nested attributes, most of a PutItem's time in moto). A new item is checked once, on its
    total, which is the same verdict (sizes only add up); UpdateItem keeps moto's check."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    def new_item(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        converted = {key: DynamoType(value) for key, value in attrs.items()}
        if sum(bytesize(key) + value.size() for key, value in converted.items()) > 405000:  # moto's limit
            raise ItemSizeTooLarge
        self.attrs = LimitedSizeDict()
        dict.update(self.attrs, converted)

    Item.__init__ = new_item  # type: ignore[method-assign]


def cheaper_sqs_receives() -> None:
    """moto's ReceiveMessage checks each message it hands out against the queue's retention period by
    computing every attribute of the queue three times, and each time counts the queue's messages
    (visible, delayed, in flight) with a datetime per message: a receive of 10 from a queue of n messages
    did 90 n datetime computations. The retention period is read from the queue itself, and SQS's
    clock is time.time() (what moto's datetime arithmetic computes)."""
    import time

    import moto.sqs.models as sqs

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        queue = self.get_queue(queue_name)
        return bool(int(queue.message_retention_period) + message.sent_timestamp / 1000 > time.time())

    sqs.SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]
    original = sqs.unix_time_millis
    sqs.unix_time_millis = lambda dt=None: time.time() * 1000.0 if dt is None else original(dt)


def cached_dispatch_lookups() -> None:
    """For every request moto turns the action's name into a method name character by character and
    lists the response class's methods with inspect.getmembers (together about 0.2 ms a request, as
    much as a GetItem's own work). Both answers depend only on their argument: each is computed once.
    Modules that imported the functions already get the cached ones too; later ones import them so."""
    import sys

    import moto.core.utils as utils

    originals = (utils.camelcase_to_underscores, utils.method_names_from_class)
    cached = {id(original): functools.lru_cache(maxsize=4096)(original) for original in originals}
    for name, module in list(sys.modules.items()):
        if name == "moto" or name.startswith("moto."):
            for attribute, value in list(vars(module).items()):
                if id(value) in cached and any(value is original for original in originals):
                    setattr(module, attribute, cached[id(value)])
