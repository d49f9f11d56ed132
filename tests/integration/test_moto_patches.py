"""The local stack's moto process answers DynamoDB's item operations through a faster serializer
(local_stack/moto_patches.py): a client must get the same document it gets from moto's own."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local_stack import moto_patches, template


@pytest.fixture
def compared(monkeypatch) -> list[tuple[str, Any, Any]]:
    from moto.dynamodb.responses import DynamoResult

    original = DynamoResult.execute_result
    monkeypatch.setattr(DynamoResult, "execute_result", original)  # what the other tests get back afterwards
    moto_patches.fast_dynamodb_answers()
    fast = DynamoResult.execute_result
    seen: list[tuple[str, Any, Any]] = []

    def both(self: Any, context: Any) -> Any:
        theirs = original(self, context)
        if context.operation_model.name in moto_patches.DATA_PLANE and not isinstance(self.result, Exception):
            ours = fast(self, context)
            seen.append((context.operation_model.name, theirs, ours))
        return theirs

    DynamoResult.execute_result = both  # type: ignore[method-assign]
    return seen


def test_item_answers_are_the_documents_moto_would_send(compared):
    item = {
        "id": {"S": "a"},
        "n": {"N": "1.5"},
        "b": {"B": b"\x00\x01"},
        "list": {"L": [{"S": "x"}, {"NULL": True}, {"BOOL": False}]},
        "map": {"M": {"k": {"SS": ["a", "b"]}, "bs": {"BS": [b"x"]}}},
    }
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=template.REGION)
        ddb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        ddb.put_item(TableName="t", Item=item)
        ddb.put_item(TableName="t", Item=item, ReturnValues="ALL_OLD", ReturnConsumedCapacity="TOTAL")
        ddb.get_item(TableName="t", Key={"id": {"S": "a"}})
        ddb.get_item(TableName="t", Key={"id": {"S": "missing"}})
        ddb.update_item(
            TableName="t",
            Key={"id": {"S": "a"}},
            UpdateExpression="SET n = n + :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="ALL_NEW",
        )
        ddb.query(TableName="t", KeyConditionExpression="id = :a", ExpressionAttributeValues={":a": {"S": "a"}})
        ddb.scan(TableName="t", Limit=1)
        ddb.batch_get_item(RequestItems={"t": {"Keys": [{"id": {"S": "a"}}]}})
        ddb.transact_get_items(TransactItems=[{"Get": {"TableName": "t", "Key": {"id": {"S": "a"}}}}])
        ddb.delete_item(TableName="t", Key={"id": {"S": "a"}}, ReturnValues="ALL_OLD")

    assert len(compared) >= 10
    for operation, theirs, ours in compared:
        assert ours[0] == theirs[0], operation
        assert json.loads(ours[2]) == json.loads(theirs[2]), operation
