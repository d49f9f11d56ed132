"""Holds: why a LOCKED order waits, one hold per check, released one by one. The rules, free of AWS.

Invariant (CONTRACT.md, Holds): an order is LOCKED exactly while at least one of its holds is ACTIVE.
Every function here takes the order as read and returns the order as it must be written; the store
writes it with one conditional write on the version that was read (`orders.store.save`), so two
changes computed from the same version cannot both land.

A hold's type decides who may release it (`may_release`) and how many people must agree
(`requiredApprovals`, copied onto the hold when it is placed, like its expiry: a later change of the
type does not move the goalposts of a hold already placed).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, NotRequired, TypedDict

from order_service.core.clock import iso
from order_service.core.errors import Forbidden, InvalidRequest, NotFound, TransitionNotAllowed
from order_service.orders.history import history_entry

ACTIVE, RELEASED, EXPIRED = "ACTIVE", "RELEASED", "EXPIRED"
RELEASE, CANCEL = "RELEASE", "CANCEL"
DEFAULT = "DEFAULT"
MAX_HOLDS_PER_ORDER = 50  # all holds ever placed on one order, released ones included (item size)
MAX_RULE_HOLDS = 10  # of them at most this many placed by auto-lock rules at creation (the first matches)
TYPE_KEY_PATTERN = r"^[A-Z][A-Z0-9_]{0,63}$"


class Approval(TypedDict):
    by: str
    at: str


class Hold(TypedDict):
    id: str
    type: str
    status: str  # ACTIVE | RELEASED | EXPIRED
    placedAt: str
    requiredApprovals: int  # 1 | 2
    approvals: list[Approval]
    reason: NotRequired[str]
    placedBy: NotRequired[str]
    placedByRule: NotRequired[str]  # the auto-lock rule's key
    expiresAt: NotRequired[str]
    onExpiry: NotRequired[str]  # RELEASE | CANCEL
    expiryWarningAt: NotRequired[str]  # when ORDER_HOLD_EXPIRING is due (warnBeforeMinutes before expiresAt)
    expiryWarnedAt: NotRequired[str]  # when it was published (once)
    releasedAt: NotRequired[str]
    releasedBy: NotRequired[str]


class HoldType(TypedDict):
    key: str
    name: str
    releaseGroups: list[str]
    requiredApprovals: int
    expiresAfterMinutes: NotRequired[int]
    onExpiry: NotRequired[str]
    warnBeforeMinutes: NotRequired[int]


# Built in, not configurable: the platform's LOCKED. Released by whoever has ORDER_UNLOCK; no expiry.
DEFAULT_TYPE: HoldType = {"key": DEFAULT, "name": "Locked", "releaseGroups": [], "requiredApprovals": 1}


@dataclass(frozen=True)
class Caller:
    """Who acts: the actor, its permissions, and its groups (Cognito groups; a machine client is in
    the group named by its own client id)."""

    actor: str
    permissions: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()


SERVICE = Caller("order-service")  # expiry acts as the service itself


@dataclass(frozen=True)
class HoldRequest:
    type: str
    reason: str | None = None
    expires_at: str | None = None
    placed_by_rule: str | None = None


class HoldTypes:
    """The hold types by key. DEFAULT is built in and never read from anywhere; the configured types
    are loaded (`load`) only when a non-DEFAULT type is asked for, so that the platform's LOCKED and
    UNLOCK cost no read of the configuration."""

    def __init__(
        self, configured: dict[str, HoldType] | None = None, load: Callable[[], dict[str, HoldType]] | None = None
    ) -> None:
        self._configured = configured
        self._load = load

    def _types(self) -> dict[str, HoldType]:
        if self._configured is None:
            self._configured = self._load() if self._load else {}
        return {**self._configured, DEFAULT: DEFAULT_TYPE}

    def get(self, key: str, where: str = "type") -> HoldType:
        if key == DEFAULT:
            return DEFAULT_TYPE
        found = self._types().get(key)
        if found is None:
            known = ", ".join(sorted(self._types()))
            raise InvalidRequest(f"Unknown hold type '{key}' (configured: {known}).", where)
        return found

    def known(self, key: str) -> bool:
        return key == DEFAULT or key in self._types()

    def release_rule(self, key: str) -> HoldType:
        """The type that decides who releases a hold of `key`; a type since removed from the
        configuration falls back to DEFAULT's rule (ORDER_UNLOCK), so that its holds stay releasable."""
        if key == DEFAULT:
            return DEFAULT_TYPE
        return self._types().get(key) or DEFAULT_TYPE


def may_release(caller: Caller, hold_type: HoldType) -> bool:
    if hold_type["key"] == DEFAULT:
        return "ORDER_UNLOCK" in caller.permissions
    return bool(caller.groups & set(hold_type["releaseGroups"]))


def _minutes_after(now: str, minutes: int) -> str:
    return iso(datetime.fromisoformat(now.replace("Z", "+00:00")) + timedelta(minutes=minutes))


def _minutes_before(at: str, minutes: int) -> str:
    return iso(datetime.fromisoformat(at.replace("Z", "+00:00")) - timedelta(minutes=minutes))


def new_hold(request: HoldRequest, hold_type: HoldType, now: str, actor: str | None) -> Hold:
    hold: Hold = {
        "id": str(uuid.uuid4()),
        "type": hold_type["key"],
        "status": ACTIVE,
        "placedAt": now,
        "requiredApprovals": hold_type["requiredApprovals"],
        "approvals": [],
    }
    if request.reason:
        hold["reason"] = request.reason
    if actor:
        hold["placedBy"] = actor
    if request.placed_by_rule:
        hold["placedByRule"] = request.placed_by_rule
    expires_at = request.expires_at
    if expires_at is None and hold_type.get("expiresAfterMinutes"):
        expires_at = _minutes_after(now, hold_type["expiresAfterMinutes"])
    if expires_at:
        hold["expiresAt"] = expires_at
        hold["onExpiry"] = hold_type.get("onExpiry") or RELEASE
        warn = hold_type.get("warnBeforeMinutes")
        if warn:
            hold["expiryWarningAt"] = max(now, _minutes_before(expires_at, warn))
    return hold


def initial_holds(
    request: Mapping[str, Any],
    types: HoldTypes,
    now: str,
    actor: str | None,
    by_rules: Sequence[Mapping[str, Any]] = (),
) -> list[Hold]:
    """The holds of an order being created: the typed ones of our `holds` extension; else, for
    `status: LOCKED`, one DEFAULT hold per LOCKED status reason (or one without a reason); then those
    the auto-lock rules place (`by_rules`: {"type", "reason", "placedByRule"})."""
    typed = request.get("holds") or []
    placed = [
        new_hold(HoldRequest(h["type"], h.get("reason")), types.get(h["type"], f"holds[{i}].type"), now, actor)
        for i, h in enumerate(typed)
    ]
    if not typed and request.get("status") == "LOCKED":
        reasons = [r.get("reason") for r in request.get("statusReasons") or [] if r.get("status") == "LOCKED"]
        placed += [new_hold(HoldRequest(DEFAULT, reason), DEFAULT_TYPE, now, actor) for reason in reasons or [None]]
    if len(placed) > MAX_HOLDS_PER_ORDER - MAX_RULE_HOLDS:
        where = "holds" if typed else "statusReasons"
        raise InvalidRequest(
            f"An order is created with at most {MAX_HOLDS_PER_ORDER - MAX_RULE_HOLDS} holds "
            f"({len(placed)} asked: one per LOCKED status reason, or one per typed hold).",
            where,
        )
    for rule_hold in by_rules[:MAX_RULE_HOLDS]:
        request_ = HoldRequest(rule_hold["type"], rule_hold.get("reason"), placed_by_rule=rule_hold["placedByRule"])
        # a type removed since the rule was saved must not refuse the shop's order: the hold stays, as DEFAULT
        hold_type = types.get(rule_hold["type"]) if types.known(rule_hold["type"]) else DEFAULT_TYPE
        placed.append(new_hold(request_, hold_type, now, actor))
    return placed


def holds_of(order: Mapping[str, Any]) -> list[Hold]:
    """The order's holds. An order stored before holds existed and still LOCKED has one DEFAULT hold,
    derived (same id every time) so that it can be released like any other."""
    holds = order.get("holds")
    if holds is not None:
        return [dict(h) for h in holds]  # type: ignore[misc]
    if order.get("status") != "LOCKED":
        return []
    legacy: Hold = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"order-service/legacy-hold/{order['id']}")),
        "type": DEFAULT,
        "status": ACTIVE,
        "placedAt": order.get("created", ""),
        "requiredApprovals": 1,
        "approvals": [],
    }
    return [legacy]


def active(holds: list[Hold]) -> list[Hold]:
    return [h for h in holds if h["status"] == ACTIVE]


# --- refusals ------------------------------------------------------------------------------------------

FULFILMENT_STARTED = "The order cannot be held: fulfilment has started (its pick job is IN_PROGRESS or PICKED)."


def _refused(order: Mapping[str, Any], summary: str, request_version: int) -> TransitionNotAllowed:
    refused = TransitionNotAllowed(summary, int(order["version"]), request_version)
    refused.current_status = order.get("status")
    return refused


def _find(order: Mapping[str, Any], holds: list[Hold], hold_id: str, version: int) -> Hold:
    for hold in holds:
        if hold["id"] == hold_id:
            if hold["status"] != ACTIVE:
                raise _refused(order, f"The hold '{hold_id}' is not active: its status is {hold['status']}.", version)
            return hold
    raise NotFound(f"No hold with id '{hold_id}' on this order.", "holdId")


# --- changes: each returns the order to write ----------------------------------------------------------


Change = dict[str, Any]  # the order as it must be written (a whole document, next version)


def _next(order: Mapping[str, Any], holds: list[Hold], now: str) -> Change:
    return {**order, "holds": holds, "version": int(order["version"]) + 1, "lastModified": now}


def _status(changed: Change, status: str, now: str, actor: str | None, reason: str | None = None) -> Change:
    previous = changed["status"]
    changed["status"] = status
    changed["statusHistory"] = [*changed.get("statusHistory", []), history_entry(status, now, previous, reason, actor)]
    return changed


def place(
    order: Mapping[str, Any], request: HoldRequest, types: HoldTypes, caller: Caller, now: str, version: int
) -> Change:
    """PLACE_HOLD: on a LOCKED order one more hold; on an OPEN one it re-locks the order (its pick job
    is cancelled in the same transaction by the store). A CANCELLED order cannot be held."""
    if order["status"] not in ("OPEN", "LOCKED"):
        raise _refused(order, f"The order cannot be held: its status is {order['status']}.", version)
    holds = holds_of(order)
    if len(holds) >= MAX_HOLDS_PER_ORDER:
        raise _refused(order, f"The order has {len(holds)} holds, the most one order may have.", version)
    if request.expires_at is not None and request.expires_at <= now:
        raise InvalidRequest("expiresAt must lie in the future.", "expiresAt")
    hold_type = types.get(request.type)
    if request.expires_at and hold_type.get("onExpiry") == CANCEL and "ORDER_CANCEL" not in caller.permissions:
        # its expiry cancels the order: choosing when is cancelling, and needs that permission
        raise Forbidden(
            f"A {hold_type['key']} hold cancels the order when it expires: setting expiresAt needs ORDER_CANCEL.",
            "expiresAt",
        )
    hold = new_hold(request, hold_type, now, caller.actor)
    changed = _next(order, [*holds, hold], now)
    reason = f"{hold['type']}: {request.reason}" if request.reason else hold["type"]
    changed["statusReasons"] = [*order.get("statusReasons", []), {"status": "LOCKED", "reason": reason}]
    if order["status"] == "OPEN":
        _status(changed, "LOCKED", now, caller.actor, reason)
    return changed


def _end(hold: Hold, status: str, actor: str, now: str) -> None:
    """The hold leaves ACTIVE (RELEASED or EXPIRED): when and by whom."""
    hold["status"] = status
    hold["releasedAt"] = now
    hold["releasedBy"] = actor


def _release(hold: Hold, caller: Caller, now: str) -> None:
    hold["approvals"] = [*hold["approvals"], {"by": caller.actor, "at": now}]
    _end(hold, RELEASED, caller.actor, now)


def _open_if_free(changed: Change, now: str, actor: str | None) -> Change:
    """The last ACTIVE hold gone: the order is OPEN (its pick job follows from the stream)."""
    if changed["status"] == "LOCKED" and not active(changed["holds"]):
        _status(changed, "OPEN", now, actor)
    return changed


def _check_release(order: Mapping[str, Any], hold: Hold, caller: Caller, types: HoldTypes, version: int) -> bool:
    """May `caller` act on `hold`? True: this act releases it; False: it is a first approval."""
    rule = types.release_rule(hold["type"])
    if not may_release(caller, rule):
        needs = (
            "the permission ORDER_UNLOCK"
            if rule["key"] == DEFAULT
            else "membership of " + ", ".join(rule["releaseGroups"] or ["(no group)"])
        )
        raise Forbidden(f"Releasing the {hold['type']} hold '{hold['id']}' needs {needs}.", "holdId")
    if hold["requiredApprovals"] < 2:
        return True
    approvers = {a["by"] for a in hold["approvals"]}
    if caller.actor in approvers:
        raise _refused(
            order,
            f"You approved the {hold['type']} hold '{hold['id']}' already: a second person must release it.",
            version,
        )
    return len(approvers) + 1 >= hold["requiredApprovals"]


def release(order: Mapping[str, Any], hold_id: str, types: HoldTypes, caller: Caller, now: str, version: int) -> Change:
    """RELEASE_HOLD: releases the hold, or records the first of two approvals (four eyes)."""
    holds = holds_of(order)
    hold = _find(order, holds, hold_id, version)
    if _check_release(order, hold, caller, types, version):
        _release(hold, caller, now)
    else:
        hold["approvals"] = [*hold["approvals"], {"by": caller.actor, "at": now}]
    return _open_if_free(_next(order, holds, now), now, caller.actor)


def unlock(
    order: Mapping[str, Any], types: HoldTypes, caller: Caller, now: str, version: int, wrong_state: str
) -> Change:
    """UNLOCK: releases every ACTIVE hold at once, if the caller may release each of them and none of
    them still needs another person's approval; else 403 or 409 naming the hold, nothing changed."""
    if order["status"] != "LOCKED":
        raise _refused(order, wrong_state.format_map(dict(order)), version)
    holds = holds_of(order)
    for hold in active(holds):
        if not _check_release(order, hold, caller, types, version):
            raise _refused(
                order,
                f"The {hold['type']} hold '{hold['id']}' needs a second person's approval: "
                "release it with RELEASE_HOLD (four eyes).",
                version,
            )
    for hold in active(holds):
        _release(hold, caller, now)
    return _open_if_free(_next(order, holds, now), now, caller.actor)


def cancel(order: Mapping[str, Any], caller: Caller, now: str, reason_id: str | None) -> Change:
    """CANCEL / FORCE_CANCEL: the order CANCELLED; its ACTIVE holds end with it (RELEASED by the
    canceller), so that no CANCELLED order has an ACTIVE hold."""
    holds = holds_of(order)
    for hold in active(holds):
        _end(hold, RELEASED, caller.actor, now)
    changed = _next(order, holds, now)
    if order.get("holds") is None and not holds:
        changed.pop("holds")  # an order that never had holds keeps its shape
    if reason_id:
        changed["cancelationReasonId"] = reason_id
    return _status(changed, "CANCELLED", now, caller.actor, reason_id)


def worst_exit(order: Mapping[str, Any], now: str) -> Change:
    """The largest the order can become on its way out of its holds (every ACTIVE hold released with two
    approvals by long names, one more history entry): a change is refused unless this still fits, so an
    order can always be released, cancelled or expire."""
    someone = Caller("x" * 128)
    holds = holds_of(order)
    for hold in active(holds):
        hold["approvals"] = [*hold["approvals"], {"by": someone.actor, "at": now}, {"by": someone.actor, "at": now}]
        _release(hold, someone, now)
    changed = _next(order, holds, now)
    changed["cancelationReasonId"] = "x" * 200
    return _status(changed, "CANCELLED", now, someone.actor, "x" * 200)


# --- expiry --------------------------------------------------------------------------------------------


def due_at(order: Mapping[str, Any]) -> str | None:
    """When the expiry job must look at this order next: its earliest pending warning or expiry."""
    if order.get("status") != "LOCKED":
        return None
    times = []
    for hold in active(holds_of(order)):
        if hold.get("expiryWarningAt") and not hold.get("expiryWarnedAt"):
            times.append(hold["expiryWarningAt"])
        if hold.get("expiresAt"):
            times.append(hold["expiresAt"])
    return min(times) if times else None


def on_due(order: Mapping[str, Any], now: str) -> Change | None:
    """What the expiry job writes at `now`: warnings marked once (the stream publishes
    ORDER_HOLD_EXPIRING), holds past `expiresAt` EXPIRED with their `onExpiry` applied (CANCEL wins
    over RELEASE); None when nothing is due."""
    if order.get("status") != "LOCKED":
        return None
    holds = holds_of(order)
    expired: list[Hold] = []
    warned = False
    for hold in active(holds):
        if hold.get("expiresAt") and hold["expiresAt"] <= now:
            _end(hold, EXPIRED, SERVICE.actor, now)
            expired.append(hold)
        elif hold.get("expiryWarningAt") and not hold.get("expiryWarnedAt") and hold["expiryWarningAt"] <= now:
            hold["expiryWarnedAt"] = now
            warned = True
    if not expired and not warned:
        return None
    changed = _next(order, holds, now)
    cancelling = [h for h in expired if h.get("onExpiry") == CANCEL]
    if cancelling:
        for hold in active(holds):  # the order is cancelled: no hold stays ACTIVE
            _end(hold, RELEASED, SERVICE.actor, now)
        return _status(changed, "CANCELLED", now, SERVICE.actor, f"{cancelling[0]['type']} hold expired")
    return _open_if_free(changed, now, SERVICE.actor)


# --- what changed (the events) -------------------------------------------------------------------------

HoldEvent = Literal["PLACED", "RELEASED", "EXPIRING"]


def hold_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[tuple[HoldEvent, Hold]]:
    """The hold facts between two images of an order: placed, released (or expired), warned."""
    before = {h["id"]: h for h in holds_of(old)} if old else {}
    facts: list[tuple[HoldEvent, Hold]] = []
    for hold in new.get("holds") or []:
        was = before.get(hold["id"])
        if was is None:
            if hold["status"] == ACTIVE:
                facts.append(("PLACED", hold))
        elif was["status"] == ACTIVE and hold["status"] != ACTIVE:
            facts.append(("RELEASED", hold))
        elif hold.get("expiryWarnedAt") and not was.get("expiryWarnedAt"):
            facts.append(("EXPIRING", hold))
    return facts
