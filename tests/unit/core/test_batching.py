from order_service.core.batching import chunks


def test_batches_respect_count_and_bytes_and_keep_order():
    items = ["a" * 100] * 25 + ["b" * 900, "c" * 2000, "d"]

    batches = list(chunks(items, len, max_count=10, max_bytes=1000))

    assert [len(b) for b in batches] == [10, 10, 5, 1, 1, 1]
    assert [x for b in batches for x in b] == items
    assert all(sum(map(len, b)) <= 1000 for b in batches if len(b) > 1)
