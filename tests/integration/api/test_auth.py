"""Who may do what: tokens from the user pool (moto), verified by the authorizer with PyJWT, mapped to
permissions; every non-public route refuses a request without a token; unlocks name their actor."""

from __future__ import annotations

import re
import time

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.utilities.utils import load_resource

from local_stack import template
from local_stack.apigw import LambdaContext
from order_service.api import auth
from order_service.core.config import settings
from tests.builders import facility_body, locked_order_body

PASSWORD = "Correct-Horse-42"
USERS = {"ada": "admins", "rita": "reviewers", "shopbot": "shop-integrations", "reed": "readers"}


@pytest.fixture
def pool(aws, monkeypatch):
    """The template's pool with one user per group. JWKS comes from moto's own key set (what moto
    serves at the pool's /.well-known/jwks.json in server mode)."""
    monkeypatch.setattr(auth, "fetch_jwks", lambda url: load_resource("cognitoidp/resources/jwks-public.json"))
    cognito = boto3.client("cognito-idp")
    pool_id = aws["cognito"]["UserPool"]
    for user, group in USERS.items():
        cognito.admin_create_user(UserPoolId=pool_id, Username=user, MessageAction="SUPPRESS")
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=user, Password=PASSWORD, Permanent=True)
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=user, GroupName=group)
    return aws["cognito"]


def tokens(pool, user: str) -> dict:
    result = boto3.client("cognito-idp").initiate_auth(
        ClientId=pool["BackofficeClient"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user, "PASSWORD": PASSWORD},
    )
    return result["AuthenticationResult"]


def authorize(token: str | None):
    """What API Gateway does before the route: the authorizer, then its context (or a refusal)."""
    function = template.functions()["AuthorizerFunction"]
    event = {
        "type": "TOKEN",
        "authorizationToken": f"Bearer {token}" if token else "",
        "methodArn": "arn:aws:execute-api:eu-central-1:123456789012:api/v1/POST/api/orders",
    }
    try:
        policy = template.handler(function)(event, LambdaContext("AuthorizerFunction"))
    except Exception as refused:
        assert str(refused) == "Unauthorized"
        return None
    assert (
        policy["policyDocument"]["Statement"][0]["Resource"] == "arn:aws:execute-api:eu-central-1:123456789012:api/v1/*"
    )
    return {**policy["context"], "principalId": policy["principalId"]}


def signed(claims: dict, key=None, kid: str = "dummy") -> str:
    """A token signed with moto's pool key (or another key), to make the edge cases."""
    if key is None:
        private = load_resource("cognitoidp/resources/jwks-private.json")
        key = jwt.PyJWK(private).key
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def claims_for(pool, **overrides) -> dict:
    now = int(time.time())
    return {
        "iss": settings().cognito_issuer,
        "sub": "x",
        "client_id": pool["BackofficeClient"],
        "token_use": "access",
        "username": "rita",
        "cognito:groups": ["reviewers"],
        "iat": now,
        "exp": now + 600,
        **overrides,
    }


class TestTokens:
    def test_a_reviewers_access_token_carries_the_reviewer_permissions(self, pool):
        context = authorize(tokens(pool, "rita")["AccessToken"])

        assert context["actor"] == "rita"
        assert set(context["permissions"].split(",")) == {
            "ORDER_READ",
            "ORDER_UNLOCK",
            "ORDER_CANCEL",
            "ORDER_HOLD",
            "PICKJOB_READ",
            "FACILITY_READ",
        }

    def test_a_valid_crafted_token_passes(self, pool):
        assert authorize(signed(claims_for(pool)))["actor"] == "rita"

    @pytest.mark.parametrize(
        "case",
        ["none", "garbage", "expired", "wrong signature", "wrong issuer", "id token", "other client", "unknown key"],
    )
    def test_bad_tokens_are_refused(self, pool, case):
        if case == "none":
            token = None
        elif case == "garbage":
            token = "not.a.jwt"
        elif case == "expired":
            token = signed(claims_for(pool, exp=int(time.time()) - 120))
        elif case == "wrong signature":
            token = signed(claims_for(pool), key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
        elif case == "wrong issuer":
            token = signed(claims_for(pool, iss="https://cognito-idp.eu-central-1.amazonaws.com/someone-else"))
        elif case == "id token":
            token = tokens(pool, "rita")["IdToken"]
        elif case == "other client":
            token = signed(claims_for(pool, client_id="another-app"))
        else:
            token = signed(claims_for(pool), kid="rotated-away")

        assert authorize(token) is None

    def test_machine_client_scopes_map_to_permissions(self, pool):
        claims = claims_for(
            pool,
            client_id=pool["IntegrationClient"],
            username=None,
            scope="order-service/ORDER_WRITE order-service/ORDER_READ other/THING",
        )
        del claims["cognito:groups"]

        context = authorize(signed(claims))

        assert context["actor"] == pool["IntegrationClient"]
        assert set(context["permissions"].split(",")) == {"ORDER_WRITE", "ORDER_READ"}


class TestPermissions:
    def test_order_write_only_client_creates_but_may_not_unlock(self, api, pool):
        api.post("/api/facilities", facility_body())
        shop = authorize(tokens(pool, "shopbot")["AccessToken"])

        created = api.post("/api/orders", locked_order_body(), authorizer=shop)
        unlock = api.post(
            f"/api/orders/{created.body['id']}/actions", {"name": "UNLOCK", "version": 1}, authorizer=shop
        )
        read = api.get(f"/api/orders/{created.body['id']}", authorizer=shop)

        assert created.status == 201
        assert unlock.status == 403 and "ORDER_UNLOCK" in unlock.body[0]["summary"]
        assert read.status == 403
        assert api.get(f"/api/orders/{created.body['id']}").body["status"] == "LOCKED"

    def test_a_reviewer_unlocks_and_the_history_names_the_reviewer(self, api, pool, streams, event_sink):
        api.post("/api/facilities", facility_body())
        order = api.post(
            "/api/orders", locked_order_body(), authorizer=authorize(tokens(pool, "shopbot")["AccessToken"])
        )
        rita = authorize(tokens(pool, "rita")["AccessToken"])

        reply = api.post(f"/api/orders/{order.body['id']}/actions", {"name": "UNLOCK", "version": 1}, authorizer=rita)
        streams.drain()

        assert reply.status == 200
        history = reply.body["statusHistory"]
        assert history[0]["by"] == "shopbot" and history[0]["status"] == "LOCKED"
        assert (history[-1]["previousStatus"], history[-1]["status"], history[-1]["by"]) == ("LOCKED", "OPEN", "rita")
        [unlocked] = event_sink.envelopes("ORDER_UNLOCKED")
        assert unlocked["payload"]["statusHistory"][-1]["by"] == "rita"

    def test_a_reader_may_read_but_not_cancel(self, api, pool):
        api.post("/api/facilities", facility_body())
        order = api.post("/api/orders", locked_order_body()).body
        reed = authorize(tokens(pool, "reed")["AccessToken"])

        assert api.get(f"/api/orders/{order['id']}", authorizer=reed).status == 200
        assert (
            api.post(f"/api/orders/{order['id']}/actions", {"name": "CANCEL", "version": 1}, authorizer=reed).status
            == 403
        )

    def test_every_route_but_the_public_ones_refuses_a_request_without_a_token(self, api):
        public = {(r.method, r.path) for r in template.api_routes() if r.public}
        assert public == {
            ("GET", "/api/health"),
            ("GET", "/openapi.json"),
            ("GET", "/backoffice"),
            ("GET", "/backoffice/{asset}"),
            ("POST", "/api/auth/login"),
        }
        for route in template.api_routes():
            if route.public:
                continue
            path = re.sub(r"\{\w+\}", "some-id", route.path)
            reply = api.request(route.method, path, {}, authorizer=None)
            assert reply.status == 401, (route.method, route.path, reply.body)
            assert reply.body[0]["summary"] == "Missing or invalid credentials."

    def test_the_template_protects_every_non_public_route_with_the_authorizer(self):
        api = template.resources("AWS::Serverless::Api")["OrderApi"]
        assert api["Auth"]["DefaultAuthorizer"] == "TokenAuthorizer"
        assert template.authorizer().logical_id == "AuthorizerFunction"


class TestSignIn:
    def test_login_returns_an_access_token_and_me_tells_who(self, api, pool):
        reply = api.post("/api/auth/login", {"username": "rita", "password": PASSWORD})

        assert reply.status == 200 and reply.body["tokenType"] == "Bearer"
        me = api.get("/api/auth/me", authorizer=authorize(reply.body["accessToken"]))
        assert me.body["actor"] == "rita" and "ORDER_UNLOCK" in me.body["permissions"]
        assert me.body["groups"] == ["reviewers"]  # what decides who may release a hold type

    def test_a_wrong_password_is_a_401(self, api, pool):
        reply = api.post("/api/auth/login", {"username": "rita", "password": "nope"})

        assert reply.status == 401 and reply.body[0]["summary"] == "Wrong user name or password."
