"""Builds the OpenAPI 3.1 document from the routes the API functions register (`http.Api.route`)
and the pydantic models they declare. `tools/openapi.py` writes it to order_service/openapi.json."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from order_service.api.http import Operation, model_of

REF = "#/components/schemas/{model}"
ERROR_SUMMARIES = {
    400: "Malformed JSON, a schema violation (unknown fields included) or an unknown action; "
    "`description` names the field.",
    404: "No such entity.",
    409: "Version conflict, or a transition the current status forbids; carries `version` and `requestVersion`.",
    413: "Body over 1 MiB.",
    415: "A body that is not declared JSON (Content-Type other than application/json).",
    401: "No or invalid credentials (a bearer access token of the user pool is required).",
    403: "Valid credentials, missing permission.",
}


class ErrorEntry(BaseModel):
    """One entry of an error answer (the answer is a JSON array of these)."""

    summary: str
    description: str | None = None
    version: int | None = None
    requestVersion: int | None = None


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def build(operations: list[Operation], title: str, version: str) -> dict[str, Any]:
    inputs = {model_of(op.body) for op in operations if op.body}
    outputs = {model_of(op.response) for op in operations if op.response} | {ErrorEntry}
    pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (model, "validation") for model in sorted(inputs, key=lambda m: m.__name__)
    ] + [(model, "serialization") for model in sorted(outputs, key=lambda m: m.__name__)]
    refs, definitions = models_json_schema(pairs, ref_template=REF)

    paths: dict[str, dict[str, Any]] = {}
    for op in sorted(operations, key=lambda o: (o.path, o.method)):
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"\{(\w+)\}", op.path)
        ]
        parameters += [
            {
                "name": q.name,
                "in": "query",
                "required": False,
                "description": q.description,
                "schema": {"type": "integer"}
                if q.kind is int
                else {"type": "string", **({"enum": list(q.choices)} if q.choices else {})},
            }
            for q in op.query
        ]
        parameters += [
            {
                "name": h.name,
                "in": "header",
                "required": False,
                "description": h.description,
                "schema": {"type": "string"},
            }
            for h in op.headers
        ]
        success: dict[str, Any] = {"description": "Success."}
        if op.response:
            success["content"] = _json(refs[(model_of(op.response), "serialization")])
        responses: dict[str, Any] = {str(op.status): success}
        errors = set(op.errors) | {500} | (set() if op.public else {401, 403}) | ({400, 415} if op.body else set())
        for status in sorted(errors):
            responses[str(status)] = {"$ref": f"#/components/responses/Error{status}"}
        operation: dict[str, Any] = {
            "summary": op.summary,
            "tags": [op.tag],
            "operationId": re.sub(r"[^A-Za-z0-9]+", "_", f"{op.method}_{op.path}").strip("_").lower(),
            "responses": responses,
        }
        if parameters:
            operation["parameters"] = parameters
        if op.public:
            operation["security"] = []
        elif op.permission:
            operation["x-permission"] = op.permission
            operation["description"] = f"Needs the permission {op.permission}."
        if op.body:
            operation["requestBody"] = {"required": True, "content": _json(refs[(model_of(op.body), "validation")])}
        paths.setdefault(op.path, {})[op.method.lower()] = operation

    error_array = {"type": "array", "items": refs[(ErrorEntry, "serialization")]}
    messages = {**ERROR_SUMMARIES, 500: "A real fault; a generic summary, never a stack trace."}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Orders that can be created LOCKED and get no pick job until they are unlocked. "
            "Compatible with the fulfillmenttools order API for the part it implements.",
        },
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "responses": {
                f"Error{status}": {"description": text, "content": _json(error_array)}
                for status, text in sorted(messages.items())
            },
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
        "security": [{"bearer": []}],
    }
