"""Webhook subscriptions API: create (the secret is shown once, header values never), list, get, delete,
ROTATE_SECRET; dead letters."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from order_service.api.http import PAGING, Api, QueryParam, Request, Response, json_response, list_response, page_size
from order_service.core import clock
from order_service.core.clock import now_iso
from order_service.core.config import settings
from order_service.core.errors import InvalidRequest, VersionConflict
from order_service.events.rules import ALL as SUBSCRIBABLE
from order_service.webhooks import callback_urls, secrets
from order_service.webhooks import service as webhooks
from order_service.webhooks import store as subscription_store
from order_service.webhooks.rules import new_secret, new_subscription, public_view

if TYPE_CHECKING:
    from order_service.webhooks.models import DeadLetterAction, RotateSecret, SubscriptionForCreation

MODELS = "order_service.webhooks.models"  # loaded by the first request that needs them

logger = Logger()
api = Api("subscriptions")

LIST_QUERY = (*PAGING, QueryParam("event", "Only subscriptions of this event.", choices=SUBSCRIBABLE))


@api.route(
    "POST",
    "/api/subscriptions",
    summary="Subscribe a webhook to an event (at most 5 per event)",
    permission="SUBSCRIPTION_WRITE",
    body=f"{MODELS}:SubscriptionForCreation",
    response=f"{MODELS}:SubscriptionCreated",
    status=201,
    errors=(400, 409, 413),
)
def create_subscription(request: Request, body: SubscriptionForCreation) -> Response:
    try:
        callback_urls.check(body.target.callbackUrl, settings().local_webhook_ports, accept_unresolved=True)
    except callback_urls.RefusedCallbackUrl as refused:
        raise InvalidRequest(f"The callback URL is not allowed: {refused}.", "target.callbackUrl") from None
    subscription = new_subscription(body.model_dump(mode="json", exclude_none=True), now_iso())
    stored = secrets.conceal(subscription)  # header values and secret sealed (KMS), header values masked
    subscription_store.create(stored)
    logger.info("subscription created", extra={"subscription_id": subscription["id"], "event": body.event})
    created = {**public_view(stored), "secret": subscription["secret"]}  # the secret, once; header values never
    return json_response(created, 201, {"Location": f"/api/subscriptions/{subscription['id']}"})


@api.route(
    "POST",
    "/api/subscriptions/{subscriptionId}/actions",
    summary="ROTATE_SECRET: a new signing secret; the old one keeps signing beside it for a grace period",
    permission="SUBSCRIPTION_WRITE",
    body=f"{MODELS}:RotateSecret",
    response=f"{MODELS}:RotatedSecret",
    errors=(400, 404, 409, 413),
)
def subscription_action(request: Request, subscriptionId: str, body: RotateSecret) -> Response:
    current = subscription_store.get(subscriptionId)
    if current["version"] != body.version:
        raise VersionConflict("subscription", current["version"], body.version)
    _, sealed = secrets.reveal(current)
    now = clock.now()
    expires = clock.iso(now + timedelta(minutes=body.gracePeriodMinutes))
    rotated: secrets.Secrets = {
        "headers": sealed.get("headers") or {},
        "secret": new_secret(),
        "previousSecret": sealed["secret"],
        "previousSecretExpiresAt": expires,
    }
    # the version condition settles concurrent rotations: one wins, the other is a 409
    changed = subscription_store.replace_sealed(
        subscriptionId, body.version, secrets.seal(subscriptionId, rotated), clock.iso(now)
    )
    logger.info("signing secret rotated", extra={"subscription_id": subscriptionId, "grace_until": expires})
    return json_response(
        {
            "id": subscriptionId,
            "version": changed["version"],
            "secret": rotated["secret"],
            "previousSecretExpiresAt": expires,
        }
    )


@api.route(
    "GET",
    "/api/subscriptions",
    summary="List subscriptions",
    permission="SUBSCRIPTION_READ",
    response=f"{MODELS}:SubscriptionList",
    errors=(400,),
    query=LIST_QUERY,
)
def list_subscriptions(request: Request) -> Response:
    query = request.query(LIST_QUERY)
    page = subscription_store.list_page(query.get("event"), page_size(query), query.get("startAfterId"))
    return list_response("subscriptions", [public_view(s) for s in page.items], page.total, page.next_start_after_id)


@api.route(
    "GET",
    "/api/subscriptions/{subscriptionId}",
    summary="Get a subscription (without its secret)",
    permission="SUBSCRIPTION_READ",
    response=f"{MODELS}:Subscription",
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
    summary="Deliveries that failed every try (a page, oldest event id first)",
    permission="SUBSCRIPTION_READ",
    response=f"{MODELS}:DeadLetterList",
    errors=(400, 404),
    query=PAGING,
)
def list_dead_letters(request: Request, subscriptionId: str) -> Response:
    query = request.query(PAGING)
    page = webhooks.dead_letters(subscriptionId, page_size(query), query.get("startAfterId"))
    return list_response("deadletters", page.letters, page.total)


@api.route(
    "POST",
    "/api/subscriptions/{subscriptionId}/deadletters/actions",
    summary="REDRIVE dead letters: send them again (the ones named, or the next 100)",
    permission="SUBSCRIPTION_WRITE",
    body=f"{MODELS}:DeadLetterAction",
    response=f"{MODELS}:RedriveResult",
    errors=(400, 404),
)
def dead_letter_action(request: Request, subscriptionId: str, body: DeadLetterAction) -> Response:
    redriven = webhooks.redrive(subscriptionId, body.eventIds, now_iso())
    return json_response({"redriven": redriven.event_ids, "more": redriven.more})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handle(event, context)
