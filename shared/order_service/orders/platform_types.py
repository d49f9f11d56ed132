"""What the generated platform models (orders/platform_models.py) are built on: JSON Schema's meaning.

- `PlatformModel`: unknown fields are accepted and stored, as JSON Schema does where a schema does not
  say `additionalProperties: false` (the generator adds `extra="forbid"` where it does). Validators are
  built on first use, not at import (cold start of routes that never validate an order).
- `DateTime`: the platform's `format: date-time`, an RFC 3339 string with date, time and offset, kept
  as sent. A bare date ("2026-11-26"), a number or a time without offset is refused.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StrictStr

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


class PlatformModel(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)


def _date_time(value: str) -> str:
    if not _RFC3339.match(value):
        raise ValueError("must be an RFC 3339 date-time with a time zone, e.g. 2026-11-26T08:45:50.525Z")
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("is not a real date-time, e.g. 2026-11-26T08:45:50.525Z") from None
    return value


DateTime = Annotated[StrictStr, AfterValidator(_date_time)]
