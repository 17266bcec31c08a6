"""What the benches share: a free local port, and waiting for a sandbox process to answer."""

from __future__ import annotations

import socket
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def aws_only_example() -> str:
    """The shipped example integration without its spec.coupa block: the benches time AWS."""
    text = (ROOT / "config/integrations/acme-emea.yaml").read_text()
    start, end = text.index("\n  coupa:"), text.index("\n  tags:")
    return text[:start] + text[end:]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_up(url: str) -> None:
    from controller.sandbox import health

    for _ in range(200):
        try:
            if health(url):
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"sandbox at {url} did not start")
