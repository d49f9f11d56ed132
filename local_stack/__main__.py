"""`make run`: python -m local_stack. Settings: LOCAL_API_PORT (3000), LOCAL_INBOX_PORT (3001),
LOCAL_MOTO_PORT (5005), LOCAL_POLL_INTERVAL (1 s), LOCAL_BATCHING_WINDOWS (1), LOCAL_BACKGROUND_DELAY
(1 s), LOCAL_STATE_DIR (unset), LOCAL_SCHEDULE_SECONDS (each schedule's own rate), LOG_LEVEL (WARNING),
LOCAL_DEMO_DATA (1). See docs/local_stack.md."""

from __future__ import annotations

import logging
import signal
import sys

from local_stack.stack import PortTaken, Settings, Stack, tour


def main() -> int:
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    stack = Stack(settings)
    try:
        stack.start()
    except (PortTaken, ValueError) as refused:  # a taken port; a template setting it would not honour
        print(f"cannot start: {refused}", file=sys.stderr)
        stack.stop()
        return 2

    def stop(_signal: int, _frame: object) -> None:
        stack.request_stop()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(tour(settings), flush=True)
    print(f"ready: {settings.api_url}", flush=True)
    stack.wait_until_stopped()
    print("stopping...", flush=True)
    stack.stop()
    print("stopped.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
