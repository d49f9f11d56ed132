"""Webhook subscriptions API: create (the secret is shown once), list, get, delete; dead letters."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from order_service.api.http import PAGING, Api, QueryParam, Request, Response, json_response, list_response, page_size
from order_service.core.clock import now_iso
from order_service.core.config import settings
from order_service.core.errors import InvalidRequest
from order_service.webhooks import callback_urls
from order_service.webhooks import service as webhooks
from order_service.webhooks import store as subscription_store
from order_service.webhooks.models import (
    SUBSCRIBABLE,
    DeadLetterAction,
    DeadLetterList,
    RedriveResult,
    Subscription,
    SubscriptionCreated,
    SubscriptionForCreation,
    SubscriptionList,
    new_subscription,
    public_view,
)

logger = Logger()
api = Api("subscriptions")

LIST_QUERY = (*PAGING, QueryParam("event", "Only subscriptions of this event.", choices=SUBSCRIBABLE))


@api.route(
    "POST",
    "/api/subscriptions",
    summary="Subscribe a webhook to an event (at most 5 per event)",
    permission="SUBSCRIPTION_WRITE",
    body=SubscriptionForCreation,
    response=SubscriptionCreated,
    status=201,
    errors=(400, 409, 413),
)
def create_subscription(request: Request, body: SubscriptionForCreation) -> Response:
    try:
        callback_urls.check(body.target.callbackUrl, settings().allow_local_webhooks, accept_unresolved=True)
    except callback_urls.RefusedCallbackUrl as refused:
        raise InvalidRequest(f"The callback URL is not allowed: {refused}.", "target.callbackUrl") from None
    subscription = new_subscription(body, now_iso())
    subscription_store.create(subscription)
    logger.info("subscription created", extra={"subscription_id": subscription["id"], "event": body.event})
    return json_response(subscription, 201, {"Location": f"/api/subscriptions/{subscription['id']}"})


@api.route(
    "GET",
    "/api/subscriptions",
    summary="List subscriptions",
    permission="SUBSCRIPTION_READ",
    response=SubscriptionList,
    errors=(400,),
    query=LIST_QUERY,
)
def list_subscriptions(request: Request) -> Response:
    query = request.query(LIST_QUERY)
    found, total = subscription_store.list_page(query.get("event"), page_size(query), query.get("startAfterId"))
    return list_response("subscriptions", [public_view(s) for s in found], total)


@api.route(
    "GET",
    "/api/subscriptions/{subscriptionId}",
    summary="Get a subscription (without its secret)",
    permission="SUBSCRIPTION_READ",
    response=Subscription,
    errors=(404,),
)
def get_subscription(request: Request, subscriptionId: str) -> Response:
    return json_response(public_view(subscription_store.get(subscriptionId)))


@api.route(
    "DELETE",
    "/api/subscriptions/{subscriptionId}",
    summary="Delete a subscription",
    permission="SUBSCRIPTION_WRITE",
    status=204,
    errors=(404,),
)
def delete_subscription(request: Request, subscriptionId: str) -> Response:
    subscription_store.delete(subscriptionId)
    logger.info("subscription deleted", extra={"subscription_id": subscriptionId})
    return Response(204)


@api.route(
    "GET",
    "/api/subscriptions/{subscriptionId}/deadletters",
    summary="Deliveries that failed every try",
    permission="SUBSCRIPTION_READ",
    response=DeadLetterList,
    errors=(404,),
)
def list_dead_letters(request: Request, subscriptionId: str) -> Response:
    subscription_store.get(subscriptionId)
    letters = [
        {k: letter[k] for k in ("eventId", "event", "attempts", "lastError", "failedAt", "envelope")}
        for letter in subscription_store.dead_letters(subscriptionId)
    ]
    return json_response({"deadletters": letters, "total": len(letters)})


@api.route(
    "POST",
    "/api/subscriptions/{subscriptionId}/deadletters/actions",
    summary="REDRIVE dead letters: send them again",
    permission="SUBSCRIPTION_WRITE",
    body=DeadLetterAction,
    response=RedriveResult,
    errors=(400, 404),
)
def dead_letter_action(request: Request, subscriptionId: str, body: DeadLetterAction) -> Response:
    subscription_store.get(subscriptionId)
    wanted = set(body.eventIds) if body.eventIds is not None else None
    redriven = []
    for letter in subscription_store.dead_letters(subscriptionId):
        if wanted is not None and letter["eventId"] not in wanted:
            continue
        # queued before it is marked: a crash in between sends it twice (dropped as a duplicate), never zero times
        webhooks.queue_delivery(subscriptionId, letter["envelope"])
        subscription_store.mark_redriven(subscriptionId, letter["eventId"], now_iso())
        redriven.append(letter["eventId"])
    logger.info("dead letters redriven", extra={"subscription_id": subscriptionId, "count": len(redriven)})
    return json_response({"redriven": redriven})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handle(event, context)
