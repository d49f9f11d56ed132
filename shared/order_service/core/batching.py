"""Splitting a list into the batches an AWS API accepts: at most N entries and B bytes each."""

from __future__ import annotations

from collections.abc import Callable, Iterator


def chunks[T](items: list[T], size_of: Callable[[T], int], max_count: int, max_bytes: int) -> Iterator[list[T]]:
    """Consecutive batches, in order. An item larger than `max_bytes` goes alone (the API will refuse
    it, and the caller reports that one item as failed)."""
    batch: list[T] = []
    used = 0
    for item in items:
        size = size_of(item)
        if batch and (len(batch) == max_count or used + size > max_bytes):
            yield batch
            batch, used = [], 0
        batch.append(item)
        used += size
    if batch:
        yield batch
