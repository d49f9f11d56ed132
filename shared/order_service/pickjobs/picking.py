"""Picking: a client starts or finishes a pick job (PATCH IN_PROGRESS / PICKED). Apart from the stream
consumer (`pickjobs.service`), so that the pick jobs API loads neither it nor its metrics."""

from __future__ import annotations

from order_service.core.clock import now_iso
from order_service.orders import store as order_store
from order_service.pickjobs import store as pickjob_store
from order_service.pickjobs.rules import PickJob


def change_status(pickjob_id: str, version: int, status: str) -> PickJob:
    """The pick job and its order's "picking started" mark, in one transaction: picking goes on only while
    the order is OPEN, and a plain CANCEL is refused from then on. The read only finds the order (a pick
    job's orderRef never changes); the transaction's conditions decide."""
    pickjob = pickjob_store.get(pickjob_id)
    order_change = order_store.picking_started(pickjob["orderRef"])
    return pickjob_store.change_status(pickjob, version, status, now_iso(), order_change)
