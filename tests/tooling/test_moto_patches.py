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
    from moto.core.responses import ActionResult
    from moto.dynamodb.responses import DynamoResult

    unpatched = ActionResult.execute_result
    for cls in (ActionResult, DynamoResult):  # what the other tests get back afterwards
        monkeypatch.setattr(cls, "execute_result", unpatched)
    moto_patches.fast_dynamodb_answers()
    fast = {DynamoResult: DynamoResult.execute_result, ActionResult: ActionResult.execute_result}
    seen: list[tuple[str, Any, Any]] = []

    def both(self: Any, context: Any) -> Any:
        theirs = unpatched(self, context)
        operation = context.operation_model.name
        if operation in moto_patches.DATA_PLANE | moto_patches.STREAM_READS and not isinstance(self.result, Exception):
            ours = fast[DynamoResult if isinstance(self, DynamoResult) else ActionResult](self, context)
            seen.append((operation, theirs, ours))
        return theirs

    for cls in (ActionResult, DynamoResult):
        cls.execute_result = both  # type: ignore[method-assign]
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
        streams = boto3.client("dynamodbstreams", region_name=template.REGION)
        arn = ddb.describe_table(TableName="t")["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
        assert streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]

    assert len(compared) >= 11 and "GetRecords" in [operation for operation, _, _ in compared]
    for operation, theirs, ours in compared:
        assert ours[0] == theirs[0], operation
        assert json.loads(ours[2]) == json.loads(theirs[2]), operation


def test_an_item_is_refused_over_dynamodbs_size_limit_as_moto_refuses_it(monkeypatch):
    from botocore.exceptions import ClientError
    from moto.dynamodb.models.dynamo_type import Item

    monkeypatch.setattr(Item, "__init__", Item.__init__)  # restored for the other tests
    moto_patches.cheaper_item_size_check()
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=template.REGION)
        ddb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        parts = {f"part{n}": {"M": {"text": {"S": "x" * 100_000}}} for n in range(4)}
        ddb.put_item(TableName="t", Item={"id": {"S": "fits"}, **parts})  # about 400,000 bytes
        stored = ddb.get_item(TableName="t", Key={"id": {"S": "fits"}})["Item"]
        assert stored["part3"]["M"]["text"]["S"] == "x" * 100_000
        with pytest.raises(ClientError, match="Item size has exceeded the maximum allowed size"):
            ddb.put_item(TableName="t", Item={"id": {"S": "too big"}, **parts, "more": {"S": "x" * 6_000}})


def test_sqs_hands_out_messages_within_their_retention_period_only(monkeypatch):
    import moto.sqs.models as sqs

    monkeypatch.setattr(sqs, "unix_time_millis", sqs.unix_time_millis)  # restored for the other tests
    monkeypatch.setattr(
        sqs.SQSBackend,
        "is_message_valid_based_on_retention_period",
        sqs.SQSBackend.is_message_valid_based_on_retention_period,
    )
    moto_patches.cheaper_sqs_receives()
    with mock_aws():
        client = boto3.client("sqs", region_name=template.REGION)
        url = client.create_queue(QueueName="q", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
        client.send_message(QueueUrl=url, MessageBody="old")
        queue = sqs.sqs_backends[template.ACCOUNT][template.REGION].get_queue("q")
        queue._messages[0].sent_timestamp -= 61_000  # sent 61 s ago: past its retention period
        assert "Messages" not in client.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        client.send_message(QueueUrl=url, MessageBody="new")
        received = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        assert [m["Body"] for m in received] == ["new"]
        attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attributes["MessageRetentionPeriod"] == "60"


def test_moto_dispatches_with_its_name_lookups_cached(monkeypatch):
    import sys

    import moto.core.responses as responses
    import moto.core.utils as utils

    for module in [m for name, m in list(sys.modules.items()) if name == "moto" or name.startswith("moto.")]:
        for attribute in ("camelcase_to_underscores", "method_names_from_class"):
            if hasattr(module, attribute):
                monkeypatch.setattr(module, attribute, getattr(module, attribute))  # restored afterwards
    moto_patches.cached_dispatch_lookups()

    assert responses.camelcase_to_underscores is utils.camelcase_to_underscores
    assert utils.camelcase_to_underscores("ListTables") == "list_tables"
    assert utils.camelcase_to_underscores("theNewAttribute") == "the_new_attribute"
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=template.REGION)
        assert ddb.list_tables()["TableNames"] == []
        assert ddb.list_tables()["TableNames"] == []
    assert utils.camelcase_to_underscores.cache_info().hits > 0
