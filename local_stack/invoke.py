"""`make invoke FUNCTION=OrdersApiFunction EVENT=events/api/OrderAction.json`: runs one function of
template.yaml once with one event against the running stack's resources (`make run`), as
`sam local invoke -e` does without Docker. Its environment is the template's, resolved against the
running moto (LOCAL_MOTO_PORT, 5005); its timeout and memory are the template's.

Logs (the function's own, START/END/REPORT) go to stderr, the result to stdout as JSON; a function
error is printed as Lambda reports it ({"errorType", "errorMessage"}) and exits 1.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from local_stack import template


def _stack_environment(moto_url: str, function: template.Function) -> dict[str, str]:
    import boto3

    from local_stack import provision

    base = {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_DEFAULT_REGION": template.REGION,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    os.environ.update(base)
    os.environ.pop("AWS_SESSION_TOKEN", None)
    found = provision.discover(boto3.Session())
    pool_id = found["cognito"]["UserPool"]
    return {
        **base,
        **function.environment(found["overrides"]),
        # as `make run` sets them: its inbox is on 127.0.0.1; its pool's keys are served by moto
        "LOCAL_WEBHOOK_PORTS": os.environ.get("LOCAL_INBOX_PORT", "3001"),
        "JWKS_URL": f"{moto_url}/{pool_id}/.well-known/jwks.json",
        "AWS_LAMBDA_FUNCTION_NAME": function.logical_id,
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(int(function.timeout_seconds)),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
    }


def _running(moto_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{moto_url}/moto-api/", timeout=3):
            return True
    except Exception:
        return False


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: make invoke FUNCTION=<logical id> EVENT=<event file>", file=sys.stderr)
        return 2
    name, event_path = argv
    functions = template.functions()
    if name not in functions:
        print(f"no function {name} in template.yaml; there are: {', '.join(sorted(functions))}", file=sys.stderr)
        return 2
    function = functions[name]
    event: dict[str, Any] = json.loads(Path(event_path).read_text(encoding="utf-8"))
    moto_url = f"http://127.0.0.1:{os.environ.get('LOCAL_MOTO_PORT', '5005')}"
    if not _running(moto_url):
        print(f"no running stack at {moto_url}: start it with `make run` (or set LOCAL_MOTO_PORT)", file=sys.stderr)
        return 2
    os.environ.update(_stack_environment(moto_url, function))

    result_out = sys.stdout
    sys.stdout = sys.stderr  # the function's logs (Powertools writes to stdout) go with ours, to stderr
    from local_stack.runtime import Runtime

    runtime = Runtime()
    print(f"START {function.logical_id} Version: $LATEST", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        result = runtime.invoke(function, event)
        failed = False
    except Exception as error:
        result = {"errorType": type(error).__name__, "errorMessage": str(error)}
        failed = True
    duration = (time.perf_counter() - started) * 1000
    print(f"END {function.logical_id}", file=sys.stderr)
    print(
        f"REPORT {function.logical_id} Duration: {duration:.2f} ms Timeout: {function.timeout_seconds:.0f} s "
        f"Memory Size: {function.memory_mb} MB",
        file=sys.stderr,
        flush=True,
    )
    print(json.dumps(result, indent=2, default=str), file=result_out, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
