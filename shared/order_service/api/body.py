"""The one parser of request bodies: what DynamoDB cannot store is refused at the edge, with the
contract's 400 naming the field, before any model or store sees it.

Refused (and why):
- a Content-Type other than JSON (415); a body over 1 MiB (413);
- invalid UTF-8, text that is not JSON, NaN/Infinity (not JSON), duplicate keys in one object
  (the last would silently win: `{"name": "CANCEL", "name": "UNLOCK"}`);
- nesting deeper than `MAX_DEPTH` (DynamoDB refuses items nested 32 levels deep);
- numbers DynamoDB cannot store: more than 38 significant digits, magnitude 1E+126 or more, or
  non-zero and below 1E-130;
- strings with lone surrogates (not encodable as UTF-8);
- values of fields that become key attributes (`KEY_FIELDS`) longer than `MAX_KEY_BYTES` in UTF-8
  (DynamoDB: 2,048 bytes for a partition key, 1,024 for a sort key).
"""

from __future__ import annotations

import base64
import binascii
import json
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pydantic loads with the first body parsed, not at cold start
    from pydantic import BaseModel, ValidationError

from order_service.core.errors import InvalidRequest, PayloadTooLarge, UnsupportedMediaType

MAX_BODY_BYTES = 1024 * 1024
# Body depth counts the body object itself as 1; its fields are the stored item's top-level attributes.
MAX_DEPTH = 24
MAX_SIGNIFICANT_DIGITS = 38
MAX_KEY_BYTES = 1024
# Fields whose values are stored as (or looked up by) a table or index key.
KEY_FIELDS = frozenset(
    {"id", "orderId", "orderRef", "facilityRef", "tenantOrderId", "consumerId", "tenantFacilityId", "eventIds"}
)
_LARGEST = Decimal("1E+126")
_SMALLEST = Decimal("1E-130")


class InvalidBody(Exception):
    """A body refused with several errors (a schema violation), each `{summary, description}`."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("invalid body")
        self.errors = errors


def _refuse(summary: str, field: str) -> InvalidRequest:
    return InvalidRequest(summary, field)


def _path(parent: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{parent}[{part}]"
    return f"{parent}.{part}" if parent else part


def _not_json(constant: str) -> Any:
    raise _refuse(f"{constant} is not a JSON number.", "body")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _refuse(f"The key '{_printable(key)}' appears twice in one object.", _printable(key))
        document[key] = value
    return document


def _printable(text: str) -> str:
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8")[:100]


def _check_number(number: Decimal, field: str) -> None:
    if not number.is_finite():
        raise _refuse("Numbers must be finite.", field)
    if number.is_zero():
        return
    digits = len("".join(map(str, number.as_tuple().digits)).strip("0"))  # not normalize(): it rounds to 28
    if digits > MAX_SIGNIFICANT_DIGITS:
        raise _refuse(f"Numbers may have at most {MAX_SIGNIFICANT_DIGITS} significant digits.", field)
    if not _SMALLEST <= abs(number) < _LARGEST:
        raise _refuse("The number is out of the storable range (1E-130 to 9.99E+125).", field)


def _check_text(text: str, field: str) -> None:
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError:
        raise _refuse("Text must be valid Unicode (a lone surrogate is not).", field) from None
    if field.rsplit(".", 1)[-1].split("[", 1)[0] in KEY_FIELDS and len(encoded) > MAX_KEY_BYTES:
        raise _refuse(f"At most {MAX_KEY_BYTES} bytes (UTF-8).", field)


def _clean(value: Any, field: str, depth: int) -> Any:
    """`value` with numbers as Python's json gives them (int, float), after the checks above. `depth`
    counts containers (objects and lists) only: a scalar adds no level."""
    if isinstance(value, dict | list) and depth > MAX_DEPTH:
        raise _refuse(f"The body is nested deeper than {MAX_DEPTH} levels.", field or "body")
    if isinstance(value, dict):
        cleaned: dict[str, Any] = {}
        for key, item in value.items():
            _check_text(key, field or "body")
            cleaned[key] = _clean(item, _path(field, key), depth + 1)
        return cleaned
    if isinstance(value, list):
        return [_clean(item, _path(field, i), depth + 1) for i, item in enumerate(value)]
    if isinstance(value, Decimal):
        _check_number(value, field or "body")
        return int(value) if isinstance(value, _JsonInteger) else float(value)
    if isinstance(value, int) and not isinstance(value, bool):
        _check_number(Decimal(value), field or "body")
        return value
    if isinstance(value, str):
        _check_text(value, field or "body")
    return value


class _JsonInteger(Decimal):
    """An integer of the JSON text, kept as Decimal until checked (int() of 4,300+ digits raises)."""


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - json only hands over valid number text
        raise _refuse("Not a number.", "body") from None


def _integer(text: str) -> Decimal:
    return _JsonInteger(text)


def check_key_text(text: str, name: str) -> None:
    """A path or query parameter that is looked up as a key: valid Unicode, at most MAX_KEY_BYTES."""
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise _refuse(f"'{name}' must be valid Unicode.", name) from None
    if size > MAX_KEY_BYTES:
        raise _refuse(f"'{name}' may be at most {MAX_KEY_BYTES} bytes (UTF-8).", name)


def media_type(content_type: str | None) -> str | None:
    return content_type.split(";", 1)[0].strip().lower() if content_type else None


def check_content_type(content_type: str | None) -> None:
    """415 unless the body is declared JSON (`application/json` or `application/*+json`); no header is
    taken as JSON, as API Gateway's test console and curl's `--data-raw` without `-H` send it."""
    kind = media_type(content_type)
    if kind is None or kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json")):
        return
    raise UnsupportedMediaType(f"The body must be JSON (application/json), not {kind}.", "Content-Type")


def decode(raw: str | None, is_base64: bool = False, content_type: str | None = None) -> Any:
    """The JSON document of a request body, checked as the module docstring says."""
    check_content_type(content_type)
    data: bytes
    if is_base64:
        try:
            data = base64.b64decode(raw or "", validate=True)
        except (binascii.Error, ValueError):
            raise _refuse("The request body is not valid base64.", "body") from None
    else:
        try:
            data = (raw or "").encode("utf-8")
        except UnicodeEncodeError:
            raise _refuse("The request body is not valid UTF-8.", "body") from None
    if len(data) > MAX_BODY_BYTES:
        raise PayloadTooLarge("The request body is larger than 1 MiB.", "body")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _refuse(f"The request body is not valid UTF-8 (byte {error.start}).", "body") from None
    try:
        document = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_float=_decimal,
            parse_int=_integer,
            parse_constant=_not_json,
        )
    except RecursionError:
        raise _refuse(f"The body is nested deeper than {MAX_DEPTH} levels.", "body") from None
    except ValueError:
        raise _refuse("The request body is not valid JSON.", "body") from None
    return _clean(document, "", 1)


def _field_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path = _path(path, part)
    return path or "body"


def validation_errors(error: ValidationError) -> list[dict[str, Any]]:
    return [
        {
            "summary": "The request body does not match the schema.",
            "description": f"{_field_path(e['loc'])}: {e['msg']}",
        }
        for e in error.errors(include_url=False)[:20]
    ]


def parse[M: BaseModel](raw: str | None, model: type[M], is_base64: bool = False, content_type: str | None = None) -> M:
    """The request body as `model`: 415, 413, or 400 naming the field."""
    document = decode(raw, is_base64, content_type)
    from pydantic import ValidationError

    try:
        return model.model_validate(document)
    except ValidationError as error:
        raise InvalidBody(validation_errors(error)) from None
