"""The whole service on one machine: moto in server mode (a child process) provisioned from
template.yaml; in this process the local API gateway, the function runtime, the stream and queue
pollers, the schedules, and a webhook inbox (subscribed to the service's events as any webhook
receiver would be). docs/local_stack.md tells how and why."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_stack import provision, template
from order_service.events import rules as events

log = logging.getLogger("local_stack")


# Local only: one user per group of template.yaml's pool, with the permissions of docs/auth.md.
DEMO_USERS = {
    "admin": ("admins", "Admin-pass-2026"),
    "reviewer": ("reviewers", "Reviewer-pass-2026"),
    "shop": ("shop-integrations", "Shop-pass-2026"),
    "reader": ("readers", "Reader-pass-2026"),
}


def login(api_url: str, user: str, password: str) -> str:
    """An access token from the service's sign-in route."""
    request = urllib.request.Request(
        f"{api_url}/api/auth/login",
        data=json.dumps({"username": user, "password": password}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.loads(response.read())["accessToken"])


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    api_port: int = 3000
    moto_port: int = 5005
    inbox_port: int = 3001
    poll_interval: float = 1.0  # the longest a stream poller waits while idle; an invocation wakes it at once
    schedule_seconds: float | None = None  # None: each schedule's own rate from template.yaml
    log_level: str = "WARNING"
    demo_data: bool = True
    batching_windows: bool = True  # the stream mappings' MaximumBatchingWindowInSeconds, as on AWS
    state_dir: Path | None = None  # LOCAL_STATE_DIR: tables saved at stop, loaded at start
    background_delay: float = 1.0  # LOCAL_BACKGROUND_DELAY: how long pollers give way to API requests

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            api_port=int(env.get("LOCAL_API_PORT", 3000)),
            moto_port=int(env.get("LOCAL_MOTO_PORT", 5005)),
            inbox_port=int(env.get("LOCAL_INBOX_PORT", 3001)),
            poll_interval=float(env.get("LOCAL_POLL_INTERVAL", 1.0)),
            schedule_seconds=float(env["LOCAL_SCHEDULE_SECONDS"]) if env.get("LOCAL_SCHEDULE_SECONDS") else None,
            log_level=env.get("LOG_LEVEL", "WARNING").upper(),
            demo_data=env.get("LOCAL_DEMO_DATA", "1") not in ("0", "false", "no"),
            batching_windows=env.get("LOCAL_BATCHING_WINDOWS", "1") not in ("0", "false", "no"),
            state_dir=Path(env["LOCAL_STATE_DIR"]) if env.get("LOCAL_STATE_DIR") else None,
            background_delay=float(env.get("LOCAL_BACKGROUND_DELAY", 1.0)),
        )

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    @property
    def inbox_url(self) -> str:
        return f"http://{self.host}:{self.inbox_port}"

    @property
    def moto_url(self) -> str:
        return f"http://{self.host}:{self.moto_port}"


class PortTaken(SystemExit):
    pass


def ensure_free(host: str, port: int, setting: str, patience: float = 2.0) -> None:
    """Refuses a port some process listens on. The probe sets SO_REUSEADDR as werkzeug's servers do:
    without it, the connections a stopped (or killed) stack left in TIME_WAIT make the port look
    taken for about a minute although the servers would start. A killed stack's moto child ends a
    moment after its parent: the probe gives a port `patience` seconds to come free."""
    deadline = time.monotonic() + patience
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise PortTaken(
                        f"port {port} on {host} is taken: stop what uses it, or set {setting}=<another port>"
                    ) from None
        time.sleep(0.1)


class Stack:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._servers: list[Any] = []
        self._moto: Any = None

    # ------------------------------------------------------------- start ---
    def start(self) -> None:
        s = self.settings
        from local_stack.fidelity import refuse_unknown

        refuse_unknown()  # a template setting the stack would not honour stops it here, loudly
        for port, setting in (
            (s.api_port, "LOCAL_API_PORT"),
            (s.moto_port, "LOCAL_MOTO_PORT"),
            (s.inbox_port, "LOCAL_INBOX_PORT"),
        ):
            ensure_free(s.host, port, setting)
        self._configure_environment()
        self._start_moto()
        import boto3

        session = boto3.Session()
        self.resources = provision.create_all(session)
        os.environ.update(provision.function_environment(self.resources["overrides"]))
        # the inbox is http://127.0.0.1:<its port>: the one callback allowed besides public https
        os.environ.update(POWERTOOLS_LOG_LEVEL=s.log_level, LOCAL_WEBHOOK_PORTS=str(s.inbox_port))
        pool_id = self.resources["cognito"]["UserPool"]
        # the pool lives in moto: its keys are served there, not at the issuer's AWS address
        os.environ["JWKS_URL"] = f"{s.moto_url}/{pool_id}/.well-known/jwks.json"
        self._create_demo_users(session.client("cognito-idp"), pool_id)
        restored = 0
        if s.state_dir:
            from local_stack import state

            restored = state.load(session.client("dynamodb"), s.state_dir)
            log.warning("loaded %d items from %s", restored, s.state_dir)

        from local_stack.gateway import Gateway
        from local_stack.inbox import Inbox
        from local_stack.runtime import Runtime

        self.runtime = Runtime(background_delay=s.background_delay)
        self.inbox = Inbox()
        self._serve(Gateway(self.runtime), s.api_port, "gateway")
        self._serve(self.inbox, s.inbox_port, "inbox")

        from local_stack.event_sources import QueuePump, StreamPump, schedules

        streams = StreamPump(
            session.client("dynamodbstreams"),
            self.resources["streams"],
            session.client("sqs"),
            self.runtime.invoke_background,
            batching_windows=s.batching_windows,
        )
        if restored:
            streams.skip_to_end()  # what loading wrote is no news: no events, no pick jobs again
        self._stream_loop(streams)
        queues = QueuePump(
            session.client("sqs"),
            self.resources["queues"],
            self.runtime.invoke_background,
            wait_seconds=20,
            background=True,  # ScalingConfig.MaximumConcurrency: a slow batch does not hold the next
        )
        for mapping in queues.mappings:  # one poller per mapping: a slow consumer never blocks another queue
            self._queue_loop(mapping.key, lambda m=mapping: queues.pump_mapping(m))
        for schedule in schedules():
            self._every(
                schedule.key,
                s.schedule_seconds or schedule.interval_seconds,
                lambda schedule=schedule: schedule.run(self.runtime.invoke_background),
            )
        if s.demo_data:  # restored state has its facilities; subscriptions are never kept (state.NOT_KEPT)
            self.demo = self._seed(facilities=not restored)

    def _configure_environment(self) -> None:
        s = self.settings
        os.environ.update(
            AWS_ENDPOINT_URL=s.moto_url,
            AWS_DEFAULT_REGION=template.REGION,
            AWS_ACCESS_KEY_ID="local",
            AWS_SECRET_ACCESS_KEY="local",
            AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
            POWERTOOLS_LOG_LEVEL=s.log_level,
            POWERTOOLS_TRACE_DISABLED="true",
        )
        if s.log_level != "DEBUG":
            os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # EMF lines would flood the terminal
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

    def _start_moto(self) -> None:
        """moto in a child process (local_stack/moto_server.py): a core and an interpreter lock of its own."""
        import subprocess
        import sys

        self._moto = subprocess.Popen(
            [sys.executable, "-m", "local_stack.moto_server", self.settings.host, str(self.settings.moto_port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._moto.stdout is not None
        if self._moto.stdout.readline().strip() != "ready":
            raise RuntimeError(f"moto did not start on {self.settings.moto_url}")

    def _serve(self, app: Any, port: int, name: str) -> None:
        from werkzeug.serving import make_server

        from local_stack.serving import KeepAliveHandler

        server = make_server(self.settings.host, port, app, threaded=True, request_handler=KeepAliveHandler)
        self._servers.append(server)
        thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _stream_loop(self, streams: Any) -> None:
        """Reads the streams when a function has run (the doorbell: it may have written) and otherwise
        ever more rarely, up to every `poll_interval` seconds (writes from outside, e.g. `make invoke`);
        and when a batching window closes."""
        shortest = min(0.05, self.settings.poll_interval)

        def run() -> None:
            wait = shortest
            while not self._stop.is_set():
                self.runtime.wait_for_quiet()  # reading the streams costs moto calls too: the API first
                try:
                    busy = streams.pump_once()
                except Exception:
                    log.exception("stream poller failed; retrying")
                    busy = 0
                wait = shortest if busy else min(wait * 2, self.settings.poll_interval)
                due = streams.next_due()
                if due is not None:  # a batching window is open: read 4 times a second, as Lambda polls a shard
                    self._stop.wait(min(due, 0.25))
                elif not busy:
                    self.runtime.doorbell.wait(wait)

        self._thread("streams", run)

    def _queue_loop(self, name: str, work: Any) -> None:
        """Long polling (the receive waits in moto until a message arrives), as Lambda's SQS pollers do."""

        def run() -> None:
            while not self._stop.is_set():
                try:
                    work()
                except Exception:
                    if self._stop.is_set():
                        return
                    log.exception("%s poller failed; retrying", name)
                    self._stop.wait(self.settings.poll_interval)

        self._thread(name, run)

    def _thread(self, name: str, run: Any) -> None:
        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _every(self, name: str, seconds: float, work: Any) -> None:
        def run() -> None:
            while not self._stop.wait(seconds):
                try:
                    work()
                except Exception:
                    log.exception("schedule %s failed", name)

        self._thread(name, run)

    # --------------------------------------------------------------- demo ---
    def _admin_token(self) -> str:
        if not getattr(self, "_token", None):
            self._token = login(self.settings.api_url, "admin", DEMO_USERS["admin"][1])
        return self._token

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.settings.api_url}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self._admin_token()}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def _create_demo_users(self, cognito: Any, pool_id: str) -> None:
        for user, (group, password) in DEMO_USERS.items():
            cognito.admin_create_user(UserPoolId=pool_id, Username=user, MessageAction="SUPPRESS")
            cognito.admin_set_user_password(UserPoolId=pool_id, Username=user, Password=password, Permanent=True)
            cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=user, GroupName=group)

    def _seed(self, facilities: bool = True) -> dict[str, Any]:
        demo_facilities = [
            ("Berlin Mitte", "BER-1", "Torstr.", "10119", "Berlin", 52.529, 13.401),
            ("München Zentrum", "MUC-1", "Sendlinger Str.", "80331", "München", 48.135, 11.570),
            ("Hamburg Hafen", "HAM-1", "Große Elbstr.", "22767", "Hamburg", 53.545, 9.948),
        ]
        created = [
            self.call(
                "POST",
                "/api/facilities",
                {
                    "name": name,
                    "tenantFacilityId": tenant_id,
                    "address": {
                        "street": street,
                        "houseNumber": "1",
                        "postalCode": postal,
                        "city": city,
                        "country": "DE",
                        "coordinates": {"lat": lat, "lon": lon},
                    },
                },
            )
            for name, tenant_id, street, postal, city, lat, lon in (demo_facilities if facilities else [])
        ]
        subscriptions = [
            self.call(
                "POST",
                "/api/subscriptions",
                {
                    "name": f"local inbox: {event}",
                    "event": event,
                    "target": {
                        "type": "WEBHOOK",
                        "callbackUrl": f"{self.settings.inbox_url}/hooks/demo",
                        "headers": [{"key": "X-Demo", "value": "make run"}],
                    },
                },
            )
            for event in events.ALL
        ]
        return {"facilities": created, "subscriptions": subscriptions}

    # --------------------------------------------------------------- stop ---
    def stop(self) -> None:
        self._stop.set()
        if hasattr(self, "runtime"):
            self.runtime.doorbell.ring()  # wakes the stream poller
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            # a queue poller may sit in a long poll: it is a daemon thread, ended with the process
            thread.join(timeout=0.5)
        if self.settings.state_dir and hasattr(self, "resources"):
            import boto3

            from local_stack import state

            saved = state.save(boto3.client("dynamodb"), self.settings.state_dir)
            print(f"saved {saved} items to {self.settings.state_dir}", flush=True)
        if self._moto is not None:
            assert self._moto.stdin is not None
            self._moto.stdin.close()  # the child ends when its stdin closes
            try:
                self._moto.wait(timeout=5)
            except Exception:
                self._moto.kill()
                self._moto.wait()

    def request_stop(self) -> None:
        """Asks the main loop to stop (from a signal handler); `stop()` then closes everything."""
        self._stop.set()

    def wait_until_stopped(self) -> None:
        while not self._stop.is_set():
            time.sleep(0.5)


def tour(settings: Settings) -> str:
    api = settings.api_url
    users = "\n".join(f"    {user:9} {password:20} ({group})" for user, (group, password) in DEMO_USERS.items())
    return f"""
Order service running locally (no Docker, no AWS account):
  API            {api}            (routes exactly as template.yaml; OpenAPI at {api}/openapi.json)
  back office    {api}/backoffice  (sign in as reviewer to unlock held orders)
  webhook inbox  {settings.inbox_url}/          (a webhook receiver subscribed to every event, signed deliveries)
  moto           {settings.moto_url}  (aws --endpoint-url {settings.moto_url} dynamodb scan --table-name OrdersTable)

Demo users (user, password, group):
{users}

A tour - sign in, create a locked order, see that it has no pick job, unlock it, see the pick job and the events:

  TOKEN=$(curl -s -X POST {api}/api/auth/login -H 'Content-Type: application/json' \\
    -d '{{"username": "admin", "password": "{DEMO_USERS["admin"][1]}"}}' \\
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
  AUTH="Authorization: Bearer $TOKEN"
  curl -s -H "$AUTH" {api}/api/facilities | python3 -m json.tool
  ORDER=$(curl -s -X POST {api}/api/orders -H "$AUTH" -H 'Content-Type: application/json' -d '{{
      "tenantOrderId": "R-1001", "orderDate": "2026-11-26T08:45:50.525Z", "status": "LOCKED",
      "statusReasons": [{{"status": "LOCKED", "reason": "Fraud check pending"}}],
      "consumer": {{"addresses": [{{"street": "Hauptstr.", "postalCode": "10115", "city": "Berlin",
                    "country": "DE", "coordinates": {{"lat": 52.53, "lon": 13.38}}}}]}},
      "orderLineItems": [{{"article": {{"tenantArticleId": "4711", "title": "Cologne Water"}}, "quantity": 2}}]}}' \\
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  curl -s -H "$AUTH" "{api}/api/pickjobs?orderRef=$ORDER"            # {{"pickjobs": [], "total": 0}}
  curl -s -X POST {api}/api/orders/$ORDER/actions -H "$AUTH" -H 'Content-Type: application/json' \\
       -d '{{"name": "UNLOCK", "version": 1}}'
  curl -s -H "$AUTH" "{api}/api/pickjobs?orderRef=$ORDER"            # one OPEN pick job
  curl -s "{settings.inbox_url}/inbox?event=ORDER_UNLOCKED"             # the event, status OPEN

Ctrl-C stops everything.
"""
