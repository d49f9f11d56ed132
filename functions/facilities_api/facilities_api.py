"""Facilities API: POST/GET /api/facilities, GET/PATCH /api/facilities/{facilityId}."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from order_service.api.http import PAGING, Api, QueryParam, Request, Response, json_response, list_response, page_size
from order_service.core.clock import now_iso
from order_service.facilities import service as facilities
from order_service.facilities import store as facility_store
from order_service.facilities.rules import STATUSES

if TYPE_CHECKING:
    from order_service.facilities.models import FacilityForCreation, FacilityPatch

MODELS = "order_service.facilities.models"  # loaded by the first request that needs them
logger = Logger()
api = Api("facilities")


@api.route(
    "POST",
    "/api/facilities",
    summary="Create a facility",
    permission="FACILITY_WRITE",
    body=f"{MODELS}:FacilityForCreation",
    response=f"{MODELS}:Facility",
    status=201,
    errors=(400, 413),
)
def create_facility(request: Request, body: FacilityForCreation) -> Response:
    facility = facilities.create_facility(body.model_dump(exclude_none=True), now_iso())
    logger.info("facility created", extra={"facility_id": facility["id"], "status": facility["status"]})
    return json_response(facility, 201, {"Location": f"/api/facilities/{facility['id']}"})


LIST_QUERY = (*PAGING, QueryParam("status", "Only facilities with this status.", choices=STATUSES))


@api.route(
    "GET",
    "/api/facilities",
    summary="List facilities",
    permission="FACILITY_READ",
    response=f"{MODELS}:FacilityList",
    errors=(400,),
    query=LIST_QUERY,
)
def list_facilities(request: Request) -> Response:
    query = request.query(LIST_QUERY)
    page = facility_store.list_page(query.get("status"), page_size(query), query.get("startAfterId"))
    return list_response("facilities", page.items, page.total, page.next_start_after_id)


@api.route(
    "GET",
    "/api/facilities/{facilityId}",
    summary="Get a facility",
    permission="FACILITY_READ",
    response=f"{MODELS}:Facility",
    errors=(404,),
)
def get_facility(request: Request, facilityId: str) -> Response:
    return json_response(facility_store.get(facilityId))


@api.route(
    "PATCH",
    "/api/facilities/{facilityId}",
    summary="Change a facility's status, name or address",
    permission="FACILITY_WRITE",
    body=f"{MODELS}:FacilityPatch",
    response=f"{MODELS}:Facility",
    errors=(400, 404, 409, 413),
)
def patch_facility(request: Request, facilityId: str, body: FacilityPatch) -> Response:
    facility = facility_store.update(
        facilityId, body.version, body.model_dump(exclude_none=True, exclude={"version"}), now_iso()
    )
    logger.info("facility changed", extra={"facility_id": facilityId, "version": facility["version"]})
    return json_response(facility)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return api.handle(event, context)
