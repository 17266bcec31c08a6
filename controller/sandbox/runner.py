"""HTTP front end: AWS JSON 1.0 on `POST /`, sandbox control endpoints under `/_sandbox/`.

Stdlib `ThreadingHTTPServer` (a thread per connection, HTTP/1.1 keep-alive as botocore expects):
no dependency to install, and the request rate of tests and the demo is far below its limits.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import signal
import socket
import sqlite3
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from controller.sandbox.aws.access import Policies, authorize
from controller.sandbox.aws.errors import (
    ApiError,
    IncompleteSignatureException,
    InternalServerException,
    InvalidSignatureException,
    MissingAuthenticationTokenException,
    SerializationException,
    UnknownOperationException,
)
from controller.sandbox.aws.faults import Faults
from controller.sandbox.aws.identity import ORGANIZATIONS_PREFIX, Identity
from controller.sandbox.aws.service import DEFAULT_ACCOUNT, Service
from controller.sandbox.aws.shapes import service_model
from controller.sandbox.aws.store import Store
from controller.sandbox.control import Control
from controller.sandbox.control_error import ControlError
from controller.sandbox.coupa import http as coupa_http
from controller.sandbox.coupa.app import CoupaEmulator

JSON_10 = "application/x-amz-json-1.0"
MAX_BODY = 1024 * 1024
ACCOUNT_ID = re.compile(r"\d{12}")
CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/([^/,\s]+)/([^/,\s]+)/([^/,\s]+)/aws4_request")
CONTROL_PREFIX = "/_sandbox/"


def parse_authorization(headers: Any, signing_name: str) -> str:
    """The access key id of a SigV4 `Authorization` header (the signature is not checked)."""
    value = headers.get("Authorization")
    if not value:
        raise MissingAuthenticationTokenException("Missing Authentication Token")
    algorithm, _, params = value.strip().partition(" ")
    if algorithm != "AWS4-HMAC-SHA256":
        raise IncompleteSignatureException(f"Unsupported Authorization Type: {algorithm}")
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if f"{name}=" not in params
    ]
    if not headers.get("X-Amz-Date") and not headers.get("Date"):
        missing.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    credential = CREDENTIAL.search(params)
    if credential is None and "Credential=" in params:
        missing.append(
            "Credential must have exactly 5 slash-delimited elements, "
            "e.g. keyid/date/region/service/term."
        )
    if missing:
        raise IncompleteSignatureException(" ".join(missing) + f" Authorization={value[:120]}")
    assert credential is not None
    access_key, _date, _region, service = credential.groups()
    if service != signing_name:
        raise InvalidSignatureException(
            f"Credential should be scoped to correct service: '{signing_name}'."
        )
    return access_key


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    app: App

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "coupa-gitops-sandbox"
    timeout = 60  # an idle keep-alive connection lets its thread go after this
    disable_nagle_algorithm = True  # small JSON answers must not wait for delayed ACKs
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.sockets_lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        with self.server.sockets_lock:
            self.server.open_sockets.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # App.log reports API calls; the default access log is noise

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise SerializationException(f"Request body larger than {MAX_BODY} bytes")
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", JSON_10)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self._headers_buffer.append(b"\r\n" + data)  # headers and body in one write
        self.flush_headers()

    def _coupa(self, method: str) -> bool:
        """Coupa's paths (`/oauth2/token`, `/api/...`) go to the Coupa emulator."""
        if not coupa_http.owns(self.path):
            return False
        coupa_http.serve(self, method, self.server.app.coupa)
        return True

    def do_PATCH(self) -> None:
        if not self._coupa("PATCH"):
            self._send(404, {"message": "POST AWS JSON 1.0 requests to /"})

    def do_DELETE(self) -> None:
        if not self._coupa("DELETE"):
            self._send(404, {"message": "POST AWS JSON 1.0 requests to /"})

    def do_POST(self) -> None:
        if self._coupa("POST"):
            return
        path = urlsplit(self.path).path
        if path.startswith(CONTROL_PREFIX):
            self._control("POST")
        elif path == "/":
            self._api()
        else:
            self._send(404, {"message": f"No such path {path}: POST AWS JSON 1.0 requests to /"})

    def do_PUT(self) -> None:
        if self._coupa("PUT"):
            return
        if urlsplit(self.path).path.startswith(CONTROL_PREFIX):
            self._control("PUT")
        else:
            self._send(404, {"message": "POST AWS JSON 1.0 requests to /"})

    def do_GET(self) -> None:
        if self._coupa("GET"):
            return
        if urlsplit(self.path).path.startswith(CONTROL_PREFIX):
            self._control("GET")
        else:
            self._send(
                404,
                {
                    "message": "This is the coupa-gitops sandbox of the AWS Invoicing API: "
                    "POST AWS JSON 1.0 requests to /; control endpoints live under /_sandbox/"
                },
            )

    def _send_raw(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self._headers_buffer.append(b"\r\n" + data)
        self.flush_headers()

    def _is_identity_call(self) -> bool:
        target = self.headers.get("X-Amz-Target", "")
        form = self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded")
        return target.startswith(ORGANIZATIONS_PREFIX) or form

    def _identity(self) -> None:
        """STS (query/XML) and Organizations (JSON 1.1) for the demo's preflight."""
        app = self.server.app
        identity = app.identity
        target = self.headers.get("X-Amz-Target", "")
        try:
            body = self._body()
            app.identity_call(target.partition(".")[2] or _sts_action(body))
            if target.startswith(ORGANIZATIONS_PREFIX):
                key = parse_authorization(self.headers, "organizations")
                status, payload = identity.organizations(key, target.partition(".")[2])
                data = json.dumps(payload).encode()
                self._send_raw(status, data, "application/x-amz-json-1.1")
                return
            key = parse_authorization(self.headers, "sts")
            status, xml = identity.sts(key, body)
        except ApiError as exc:
            if target:
                self._send(exc.status, exc.body())
                return
            status, xml = (
                exc.status,
                (
                    "<ErrorResponse><Error><Type>Sender</Type>"
                    f"<Code>{exc.code}</Code><Message>{exc.message}</Message></Error></ErrorResponse>"
                ),
            )
        self._send_raw(status, xml.encode(), "text/xml")

    def _api(self) -> None:
        if self._is_identity_call():
            self._identity()
            return
        app = self.server.app
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        operation = "-"
        try:
            body = self._body()
            target = self.headers.get("X-Amz-Target", "")
            prefix, _, operation = target.partition(".")
            if prefix != app.target_prefix or not operation:
                raise UnknownOperationException(
                    f"Missing or unknown X-Amz-Target {target!r}; expected "
                    f"{app.target_prefix}.<Operation>"
                )
            status, payload = 200, app.api(operation, self.headers, body)
        except ApiError as exc:
            status, payload, headers = exc.status, exc.body(), exc.headers()
        except Exception as exc:  # a sandbox bug: answer like AWS would, keep the trace
            traceback.print_exc()
            error = InternalServerException(f"Sandbox internal error: {exc}")
            status, payload, headers = error.status, error.body(), error.headers()
        else:
            headers = {}
        headers["x-amzn-RequestId"] = request_id
        if status >= 400:
            headers["x-amzn-ErrorType"] = payload["__type"].rsplit("#", 1)[-1]
        self._send(status, payload, headers)
        if app.log:
            elapsed = (time.monotonic() - started) * 1000
            error = f" {headers['x-amzn-ErrorType']}" if status >= 400 else ""
            app.log(f"{operation} -> {status}{error} ({elapsed:.0f} ms)")

    def _control(self, method: str) -> None:
        parts = urlsplit(self.path)
        try:
            raw = self._body() if method in ("POST", "PUT") else b""
            try:
                body = json.loads(raw) if raw.strip() else {}
            except ValueError as exc:
                raise ControlError(400, f"body is not JSON: {exc}") from None
            if not isinstance(body, dict):
                raise ControlError(400, "body must be a JSON object")
            query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            route = parts.path[len(CONTROL_PREFIX) :].strip("/")
            status, payload = 200, self.server.app.control(method, route, query, body)
        except ControlError as exc:
            status, payload = exc.status, {"error": exc.message}
        except ApiError as exc:
            status, payload = exc.status, {"error": exc.message}
        self._send(status, payload)


class App:
    """What the handler threads share: service, fault settings, counters, account map."""

    def __init__(
        self,
        service: Service,
        faults: Faults,
        accounts: dict[str, str],
        log: Callable[[str], None] | None,
        policies: Policies | None = None,
    ) -> None:
        model = service_model()
        self.service = service
        self.faults = faults
        self.accounts = dict(accounts)
        self.policies = policies or Policies()
        self.log = log
        self.target_prefix = model.metadata["targetPrefix"]
        self.signing_name = model.signing_name
        self.identity = Identity(self.account_for, self._remember_key)
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()
        self.coupa = CoupaEmulator(log=log)  # in memory, not in the SQLite file

    def _remember_key(self, access_key: str, account: str) -> None:
        with self._lock:
            self.accounts[access_key] = account

    def _organization(self, args: dict[str, Any]) -> Any:
        members = args.get("members", [])
        if not isinstance(members, list):
            raise ValueError("members must be a list of account ids")
        return self.identity.set_organization(str(args["management"]), [str(m) for m in members])

    def account_for(self, access_key: str) -> str:
        with self._lock:
            return self.accounts.get(access_key, DEFAULT_ACCOUNT)

    def identity_call(self, operation: str) -> None:
        """Count an STS/Organizations call and give it the injected latency, as AWS is as far."""
        with self._lock:
            self.calls[operation] = self.calls.get(operation, 0) + 1
        delay = self.faults.latency()
        if delay:
            time.sleep(delay)

    def api(self, operation: str, headers: Any, body: bytes) -> dict[str, Any]:
        with self._lock:
            self.calls[operation] = self.calls.get(operation, 0) + 1
        delay, fault = self.faults.draw()
        if delay:
            time.sleep(delay)
        access_key = parse_authorization(headers, self.signing_name)
        account = self.account_for(access_key)
        if fault is not None:  # before any effect, so a retry is always safe
            raise fault
        try:
            params = json.loads(body, parse_constant=_reject_constant) if body.strip() else {}
        except (ValueError, UnicodeDecodeError) as exc:
            raise SerializationException(f"Request body is not valid JSON: {exc}") from None
        if not isinstance(params, dict):
            raise SerializationException("Request body must be a JSON object")
        self._authorize(access_key, account, operation, params)
        return self.service.call(account, operation, params)

    def _authorize(self, key: str, account: str, operation: str, params: dict[str, Any]) -> None:
        """The caller's policy, if any, decides before validation, token replay or effect."""
        policy = self.policies.for_caller(key, self.identity.role_of(key))
        tags = functools.partial(self.service.resource_tags, account)
        authorize(policy, key, operation, params, tags)

    # ---- control endpoints ---------------------------------------------------------------

    def control(self, method: str, route: str, query: dict[str, str], body: dict[str, Any]) -> Any:
        if route.startswith("coupa/"):
            return self.coupa.control(method, route.removeprefix("coupa/"), {**query, **body})
        handler = CONTROL_ROUTES.get((method, route))
        if handler is None:
            known = ", ".join(f"{m} {CONTROL_PREFIX}{r}" for m, r in CONTROL_ROUTES)
            raise ControlError(404, f"no control endpoint {method} {route}; known: {known}")
        args = {**query, **body}
        try:
            return handler(self, args)
        except (KeyError, TypeError, ValueError) as exc:
            raise ControlError(400, f"bad control request: {exc}") from None

    def _health(self, args: dict[str, Any]) -> Any:
        return {"ok": True}

    def _validation_code(self, args: dict[str, Any]) -> Any:
        arn = args["arn"]
        return {"arn": arn, "code": self.service.validation_code(arn)}

    def _connection_test(self, args: dict[str, Any]) -> Any:
        passed = args["passed"]
        if not isinstance(passed, bool):
            raise ValueError("passed must be true or false")
        return self.service.connection_test(args["arn"], passed, args.get("feature"))

    def _drift(self, args: dict[str, Any]) -> Any:
        return self.service.drift(args["arn"], args["changes"])

    def _plant_tags(self, args: dict[str, Any]) -> Any:
        return self.service.plant_tags(args["arn"], args["tags"])

    def _reset(self, args: dict[str, Any]) -> Any:
        self.service.reset()
        self.identity.reset()
        self.coupa.reset()
        self._reset_calls(args)
        return {"reset": True}

    def _get_faults(self, args: dict[str, Any]) -> Any:
        return self.faults.settings()

    def _set_faults(self, args: dict[str, Any]) -> Any:
        known = {"latency_ms", "fault_rate", "throttle_rate", "seed"}
        unknown = sorted(set(args) - known)
        if unknown:
            raise ValueError(f"unknown fault settings {unknown}; known: {sorted(known)}")
        return self.faults.update(**args)

    def _get_calls(self, args: dict[str, Any]) -> Any:
        with self._lock:
            return dict(self.calls)

    def _reset_calls(self, args: dict[str, Any]) -> Any:
        with self._lock:
            self.calls.clear()
        return {}

    def _get_policies(self, args: dict[str, Any]) -> Any:
        return {"policies": self.policies.documents()}

    def _set_policy(self, args: dict[str, Any]) -> Any:
        self.policies.set(args["accessKey"], args.get("policy"))
        return {"policies": self.policies.documents()}

    def _get_accounts(self, args: dict[str, Any]) -> Any:
        with self._lock:
            return {"default": DEFAULT_ACCOUNT, "accounts": dict(self.accounts)}

    def _map_account(self, args: dict[str, Any]) -> Any:
        key, account = args["access_key_id"], args["account_id"]
        if not isinstance(key, str) or not key:
            raise ValueError("access_key_id must be a non-empty string")
        if not isinstance(account, str) or not ACCOUNT_ID.fullmatch(account):
            raise ValueError(f"account_id must be 12 digits, got {account!r}")
        with self._lock:
            self.accounts[key] = account
            return {"default": DEFAULT_ACCOUNT, "accounts": dict(self.accounts)}


CONTROL_ROUTES: dict[tuple[str, str], Callable[[App, dict[str, Any]], Any]] = {
    ("GET", "health"): App._health,
    ("GET", "validation-code"): App._validation_code,
    ("POST", "connection-test"): App._connection_test,
    ("POST", "drift"): App._drift,
    ("POST", "tags"): App._plant_tags,
    ("POST", "reset"): App._reset,
    ("POST", "organization"): App._organization,
    ("GET", "faults"): App._get_faults,
    ("POST", "faults"): App._set_faults,
    ("GET", "calls"): App._get_calls,
    ("POST", "calls/reset"): App._reset_calls,
    ("GET", "accounts"): App._get_accounts,
    ("POST", "accounts"): App._map_account,
    ("GET", "policies"): App._get_policies,
    ("PUT", "policies"): App._set_policy,
}


def _sts_action(body: bytes) -> str:
    """The Action of an STS query-protocol request ('-' when it has none)."""
    values = parse_qs(body.decode("utf-8", "replace")).get("Action")
    return values[0] if values else "-"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


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
        self._server: _Server | None = None
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
            self._server = _Server((self.host, self._port), app)
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
