"""Pick jobs API: list, get, and PATCH status (IN_PROGRESS, PICKED) with optimistic locking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from order_service.api.http import PAGING, Api, QueryParam, Request, Response, json_response, list_response, page_size
from order_service.pickjobs import rules as pickjobs
from order_service.pickjobs import store as pickjob_store

if TYPE_CHECKING:
    from order_service.pickjobs.models import PickJobPatch

MODELS = "order_service.pickjobs.models"  # loaded by the first request that needs them

logger = Logger()
api = Api("pickjobs")

LIST_QUERY = (
    *PAGING,
    QueryParam("orderRef", "Only the pick jobs of this order."),
    QueryParam("facilityRef", "Only pick jobs at this facility."),
    QueryParam("status", "Only pick jobs with this status.", choices=pickjobs.STATUSES),
)


@api.route(
    "GET",
    "/api/pickjobs",
    summary="List pick jobs (oldest first)",
    permission="PICKJOB_READ",
    response=f"{MODELS}:PickJobList",
    errors=(400,),
    query=LIST_QUERY,
)
def list_pickjobs(request: Request) -> Response:
    query = request.query(LIST_QUERY)
    filters = {name: query[name] for name in ("orderRef", "facilityRef", "status") if query.get(name)}
    page = pickjob_store.list_page(filters, page_size(query), query.get("startAfterId"))
    return list_response("pickjobs", page.items, page.total, page.next_start_after_id)


@api.route(
    "GET",
    "/api/pickjobs/{pickJobId}",
    summary="Get a pick job",
    permission="PICKJOB_READ",
    response=f"{MODELS}:PickJob",
    errors=(404,),
)
def get_pickjob(request: Request, pickJobId: str) -> Response:
    return json_response(pickjob_store.get(pickJobId))


@api.route(
    "PATCH",
    "/api/pickjobs/{pickJobId}",
    summary="Start or finish picking (status IN_PROGRESS or PICKED)",
    permission="PICKJOB_WRITE",
    body=f"{MODELS}:PickJobPatch",
    response=f"{MODELS}:PickJob",
    errors=(400, 404, 409, 413),
)
def patch_pickjob(request: Request, pickJobId: str, body: PickJobPatch) -> Response:
    from order_service.pickjobs import picking  # only a PATCH loads the order side (cold start of reads)

    pickjob = picking.change_status(pickJobId, body.version, body.status)
    logger.info("pick job changed", extra={"pickjob_id": pickJobId, "status": pickjob["status"]})
    return json_response(pickjob)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handle(event, context)
