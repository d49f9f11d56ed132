"""Orders API: create (OPEN or LOCKED), get, list, the actions UNLOCK, CANCEL, FORCE_CANCEL, PLACE_HOLD and
RELEASE_HOLD, bulk actions; the queue-health snapshot (holdstats).

Models are named as "module:Class": the large platform models load with the first request that
parses a body, so that reads start without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from order_service.api.http import PAGING, Api, QueryParam, Request, Response, json_response, list_response, page_size
from order_service.core import clock
from order_service.core.errors import InvalidRequest
from order_service.holds import service as hold_commands
from order_service.holds.rules import Caller, HoldRequest
from order_service.holdstats import service as queue_health
from order_service.orders import rules as orders
from order_service.orders import service as order_commands
from order_service.orders import store as order_store

if TYPE_CHECKING:
    from order_service.orders.models import BulkOrderAction, OrderAction, OrderForCreation

MODELS = "order_service.orders.models"

logger = Logger()
metrics = order_commands.metrics
api = Api("orders")

IDEMPOTENCY_KEY = QueryParam("Idempotency-Key", "A retry with the same key and body within 24 h creates nothing new.")
LIST_QUERY = (
    *PAGING,
    QueryParam("status", "Only orders with this status.", choices=orders.STATUSES),
    QueryParam("facilityRef", "Only orders routed to this facility."),
    QueryParam("tenantOrderId", "Only orders with this tenantOrderId."),
    QueryParam("consumerId", "Only orders of this consumer (consumer.consumerId)."),
    QueryParam("statusReason", "Only orders with a status reason containing this text (any case)."),
    QueryParam("holdType", "Only orders with an ACTIVE hold of this type (so LOCKED ones)."),
)


@api.route(
    "POST",
    "/api/orders",
    summary="Create an order, OPEN or LOCKED",
    permission="ORDER_WRITE",
    body=f"{MODELS}:OrderForCreation",
    response=f"{MODELS}:Order",
    status=201,
    errors=(400, 409, 413),
    headers=(IDEMPOTENCY_KEY,),
)
def create_order(request: Request, body: OrderForCreation) -> Response:
    order_request = body.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    key = request.header("Idempotency-Key")
    if key is None:
        order = order_commands.create_order(order_request, request.actor)
    else:
        if not 1 <= len(key) <= 255:
            raise InvalidRequest("Idempotency-Key must be 1 to 255 characters long.", "Idempotency-Key")
        from order_service.api import idempotency  # only requests that carry a key pay for its import

        order = idempotency.run_once(key, request.actor, order_request, order_commands.create_order, request.context)
    return json_response(order, 201, {"Location": f"/api/orders/{order['id']}"})


@api.route(
    "GET",
    "/api/orders",
    summary="List orders (oldest first; by status alone: by facility, then oldest first)",
    permission="ORDER_READ",
    response=f"{MODELS}:OrderList",
    errors=(400,),
    query=LIST_QUERY,
)
def list_orders(request: Request) -> Response:
    query = request.query(LIST_QUERY)
    where = order_store.OrderFilter(
        status=query.get("status"),
        facility_ref=query.get("facilityRef"),
        tenant_order_id=query.get("tenantOrderId"),
        consumer_id=query.get("consumerId"),
        reason_text=query.get("statusReason"),
        hold_type=query.get("holdType"),
    )
    page = order_store.list_page(where, page_size(query), query.get("startAfterId"))
    return list_response("orders", page.items, page.total, page.next_start_after_id)


@api.route(
    "GET",
    "/api/orders/holdstats",
    summary="Queue health: held orders by hold type and facility, their ages, releases in the last hour",
    permission="ORDER_READ",
    response="order_service.holdstats.models:HoldStatsModel",
)
def hold_stats(request: Request) -> Response:
    return json_response(queue_health.current(clock.now()))  # the last minute's snapshot: one GetItem


@api.route(
    "GET",
    "/api/orders/{orderId}",
    summary="Get an order",
    permission="ORDER_READ",
    response=f"{MODELS}:Order",
    errors=(404,),
)
def get_order(request: Request, orderId: str) -> Response:
    return json_response(order_store.get(orderId))


@api.route(
    "POST",
    "/api/orders/{orderId}/actions",
    summary=(
        "UNLOCK (ORDER_UNLOCK), CANCEL (ORDER_CANCEL), FORCE_CANCEL (ORDER_FORCE_CANCEL), PLACE_HOLD (ORDER_HOLD) "
        "or RELEASE_HOLD (the hold type's release right) an order"
    ),
    body=f"{MODELS}:OrderAction",
    response=f"{MODELS}:Order",
    errors=(400, 403, 404, 409, 413),
)
def order_action(request: Request, orderId: str, body: OrderAction) -> Response:
    action = body.root
    caller = _caller(request)
    if action.name == "CANCEL":
        request.require("ORDER_CANCEL")
        order = order_commands.cancel_order(orderId, action.version, caller, action.cancelationReasonId)
    elif action.name == "FORCE_CANCEL":
        request.require("ORDER_FORCE_CANCEL")
        order = order_commands.cancel_order(orderId, action.version, caller, action.cancelationReasonId, force=True)
    elif action.name == "PLACE_HOLD":
        request.require("ORDER_HOLD")
        hold = HoldRequest(action.type, action.reason, action.expiresAt)
        order = hold_commands.place_hold(orderId, action.version, hold, caller)
    elif action.name == "RELEASE_HOLD":  # and the right to release the hold's type (holds.rules)
        request.require("ORDER_READ")  # before the order is read: no answer about orders one may not see
        order = hold_commands.release_hold(orderId, action.version, action.holdId, caller)
    else:
        request.require("ORDER_UNLOCK")
        order = order_commands.unlock_order(orderId, action.version, caller, action.targetTime)
    return json_response(order)


def _caller(request: Request) -> Caller:
    return Caller(request.actor or "", request.permissions, request.groups)


@api.route(
    "POST",
    "/api/orders/actions",
    summary="BULK_UNLOCK (ORDER_UNLOCK, up to 100) or BULK_FORCE_CANCEL (ORDER_FORCE_CANCEL, up to 15) orders",
    body=f"{MODELS}:BulkOrderAction",
    response=f"{MODELS}:BulkOrderActionResults",
    errors=(400, 413),
)
def bulk_action(request: Request, body: BulkOrderAction) -> Response:
    action = body.root
    if action.name == "BULK_FORCE_CANCEL":
        request.require("ORDER_FORCE_CANCEL")
        refs = [(ref.orderId, ref.version, ref.cancelationReasonId) for ref in action.orders]
        results = order_commands.bulk_force_cancel(refs, _caller(request))
    else:
        request.require("ORDER_UNLOCK")
        results = order_commands.bulk_unlock([(ref.orderId, ref.version) for ref in action.orders], _caller(request))
    logger.info(
        "bulk action",
        extra={
            "action": action.name,
            "requested": len(results),
            "updated": sum(r["status"] == "UPDATED" for r in results),
        },
    )
    return json_response(results)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handle(event, context)
