"""The sandbox's lifecycle: `Sandbox` (a background thread, for tests and the demo), and
`serve_forever` (the foreground `coupa-gitops sandbox` command, with its banner).
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from controller.sandbox.app import App
from controller.sandbox.aws.access import Policies
from controller.sandbox.aws.faults import Faults
from controller.sandbox.aws.service import DEFAULT_ACCOUNT, Service
from controller.sandbox.aws.store import Store
from controller.sandbox.control import Control
from controller.sandbox.control_routes import ACCOUNT_ID, CONTROL_PREFIX, CONTROL_ROUTES
from controller.sandbox.handler import Server


class Sandbox:
    """The emulator in a background thread: `with Sandbox(path) as sb: ... sb.url ...`."""

    def __init__(
        self,
        db_path: str | Path,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0,
        fault_rate: float = 0.0,
        throttle_rate: float = 0.0,
        seed: int | None = None,
        accounts: dict[str, str] | None = None,
        log: Callable[[str], None] | None = None,
        policies: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        """`policies`: IAM policy documents by access key id or role ARN (see access.py)."""
        for key, account in (accounts or {}).items():
            if not ACCOUNT_ID.fullmatch(account):
                raise ValueError(f"account for access key {key!r} must be 12 digits: {account!r}")
        self.db_path = Path(db_path)
        self.host, self._port = host, port
        self.faults = Faults(latency_ms, fault_rate, throttle_rate, seed)
        self._accounts = dict(accounts or {})
        self._policies = Policies(policies)  # parsed now: a bad policy fails before start
        self._log = log
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._store: Store | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def control(self) -> Control:
        return Control(self.url)

    @property
    def accounts(self) -> dict[str, str]:
        """The access keys mapped to accounts at start (others act as DEFAULT_ACCOUNT)."""
        return dict(self._accounts)

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        self._store = Store(self.db_path)
        app = App(Service(self._store), self.faults, self._accounts, self._log, self._policies)
        try:
            self._server = Server((self.host, self._port), app)
        except OSError:
            self._store.close()
            self._store = None
            raise
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        with server.sockets_lock:
            sockets = list(server.open_sockets)
        for sock in sockets:  # end keep-alive connections so no thread serves a stopped sandbox
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


BANNER_KEY = "sandbox"  # the access key the printed exports use


def banner(sandbox: Sandbox) -> str:
    """Everything a second terminal needs: the exports, the accounts, the control endpoints."""
    settings = sandbox.faults.settings()
    active = {key: value for key, value in settings.items() if value}
    faults = ", ".join(f"{key}={value}" for key, value in active.items()) or "none"
    url = sandbox.url
    mapped = sandbox.accounts
    account = mapped.get(BANNER_KEY, DEFAULT_ACCOUNT)
    others = "".join(f"\n  {key} -> {acct}" for key, acct in sorted(mapped.items()))
    routes = ", ".join(sorted({route for _, route in CONTROL_ROUTES}))
    return f"""\
coupa-gitops sandbox: a local emulator of the AWS Invoicing procurement-portal API
(with STS and Organizations) listening on {url}
state: {sandbox.db_path}   injected faults: {faults}

Point coupa-gitops, boto3 or the AWS CLI at it from a second terminal:

  export AWS_ENDPOINT_URL_INVOICING={url}
  export AWS_ENDPOINT_URL_STS={url}
  export AWS_ENDPOINT_URL_ORGANIZATIONS={url}
  export AWS_ACCESS_KEY_ID={BANNER_KEY} AWS_SECRET_ACCESS_KEY={BANNER_KEY}
  unset AWS_SESSION_TOKEN AWS_PROFILE
  export AWS_DEFAULT_REGION=us-east-1
  aws invoicing list-procurement-portal-preferences

The key {BANNER_KEY} acts as account {account}; so does any key not mapped. Map a key to the
spec.account of your file with --account KEY=ACCOUNT (repeatable), e.g. for the example
acme-emea: coupa-gitops sandbox --account {BANNER_KEY}=111122223333{
        chr(10) + "Mapped now:" + others if others else ""
    }
Any key may call everything unless given an IAM policy with --policy KEY=POLICY.json.

The Coupa side of a go-live, which AWS does for real, is done here by hand:
  curl '{url}{CONTROL_PREFIX}validation-code?arn=ARN'    # the code `verify-endpoint` sent
  curl -X POST {url}{CONTROL_PREFIX}connection-test -d '{{"arn": "ARN", "passed": true}}'
Every control endpoint (`coupa-gitops sandbox --help` describes them):
  {routes}
Press Ctrl-C to stop.
"""


def serve_forever(
    host: str = "127.0.0.1",
    port: int = 4566,
    db: str | Path = "sandbox.sqlite",
    latency_ms: float = 0,
    fault_rate: float = 0.0,
    throttle_rate: float = 0.0,
    seed: int | None = None,
    accounts: dict[str, str] | None = None,
    policies: dict[str, dict[str, Any]] | None = None,
) -> int:
    """Run the sandbox in the foreground until Ctrl-C (or SIGTERM); returns the exit code."""
    from controller.errors import UserError

    def log(line: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {line}", file=sys.stderr, flush=True)

    try:
        sandbox = Sandbox(
            db,
            host,
            port,
            latency_ms,
            fault_rate,
            throttle_rate,
            seed,
            accounts,
            log=log,
            policies=policies,
        ).start()
    except (OSError, ValueError, sqlite3.Error) as exc:
        raise UserError(f"cannot start the sandbox on {host}:{port} with {db}: {exc}") from None
    stopped = threading.Event()
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, lambda *_: stopped.set()) if in_main else None
    print(banner(sandbox), flush=True)
    try:
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
        sandbox.stop()
    print("sandbox stopped", flush=True)
    return 0
