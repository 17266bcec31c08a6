"""The Coupa emulator: OAuth 2.0 client credentials and `/api/suppliers|commodities`, per tenant.

One tenant per `Host` (the instance host, e.g. acme.coupahost.com), created on first use.
`handle()` takes a request and returns `(status, headers, body)`, so it runs without sockets;
`controller/sandbox/coupa/http.py` serves it on the sandbox's port.

State lives in memory only (one lock for everything): unlike the AWS side's SQLite file it is
not persisted, so a restarted sandbox starts with empty Coupa tenants.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from controller.sandbox.control_error import ControlError
from controller.sandbox.coupa import model
from controller.sandbox.coupa.model import RESOURCES, Invalid, Resource

Response = tuple[int, dict[str, str], bytes]

TOKEN_PATH = (
    "/oauth2/token"  # m018/m019; not confirmed (#4): the Swagger says /oauth2/access_tokens
)
TOKEN_LIFETIME_S = 86399  # §4.3
# Our model: m012 documents "25 requests per second, burst limit 20" but no 429, no headers and
# no scope (#8). We answer 429 with Retry-After, counted per tenant (per instance).
RATE_PER_S = 25.0
BURST = 20
JSON = "application/json"
API_PATH = re.compile(r"/api/([a-z_]+)(?:/([^/]+))?/?")
NOT_EMULATED_PARAMS = ("fields", "return_object", "filter")


@dataclass
class _Grant:
    expires_at: float
    scopes: frozenset[str]


@dataclass(frozen=True)
class Fault:
    """An injected answer for the next request to `target`: api, token or any."""

    status: int
    retry_after: int
    target: str


@dataclass
class Bucket:
    """Token bucket: `rate` per second, at most `burst` at once; rate 0 turns it off."""

    rate: float = RATE_PER_S
    burst: int = BURST
    level: float = BURST
    at: float | None = None

    def take(self, now: float) -> float:
        """0 when the request may pass, else the seconds until it could."""
        if self.rate <= 0:
            return 0.0
        if self.at is not None:
            self.level = min(self.burst, self.level + (now - self.at) * self.rate)
        self.at = now
        if self.level >= 1:
            self.level -= 1
            return 0.0
        return (1 - self.level) / self.rate


@dataclass
class Tenant:
    host: str
    clients: dict[str, str] = field(default_factory=dict)  # empty: any client is accepted
    token_lifetime: float = TOKEN_LIFETIME_S
    tokens: dict[str, _Grant] = field(default_factory=dict)
    records: dict[str, dict[int, dict[str, Any]]] = field(
        default_factory=lambda: {name: {} for name in RESOURCES}
    )
    next_id: Counter[str] = field(default_factory=Counter)
    faults: list[Fault] = field(default_factory=list)
    bucket: Bucket = field(default_factory=Bucket)
    calls: Counter[str] = field(default_factory=Counter)


def tenant_host(value: str) -> str:
    """The tenant key of a Host header or an instance URL: the host name, lower case."""
    text = value.strip()
    if "//" not in text:
        text = "//" + text
    host = urlsplit(text).hostname
    if not host:
        raise ValueError(f"no host in {value!r}")
    return host.lower()


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    data = json.dumps(payload, separators=(",", ":")).encode()
    return status, {"Content-Type": JSON, **(headers or {})}, data


def _errors(status: int, key: str, messages: list[str], **headers: str) -> Response:
    """m011/m015: `{"errors": {resource: [messages]}}`."""
    return _json(status, {"errors": {key: messages}}, headers)


def _oauth_error(status: int, error: str, description: str) -> Response:
    # Not confirmed (#8): the 401/403 bodies. Ours follow RFC 6749/6750.
    headers = {"WWW-Authenticate": f'Bearer error="{error}"'} if status in (401, 403) else {}
    return _json(status, {"error": error, "error_description": description}, headers)


def _sort_key(value: Any) -> tuple[bool, Any]:
    plain_int = isinstance(value, int) and not isinstance(value, bool)
    return value is None, value if plain_int else model.text(value)


def _accepts_json(value: str) -> bool:
    return any(part.split(";")[0].strip().lower() == JSON for part in value.split(","))


class CoupaEmulator:
    """Every Coupa tenant of one sandbox; `handle` serves a request, `control` the test hooks."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self._clock = clock
        self._log = log
        self._lock = threading.Lock()
        self.tenants: dict[str, Tenant] = {}

    def tenant(self, host: str) -> Tenant:
        key = tenant_host(host)
        tenant = self.tenants.get(key)
        if tenant is None:
            tenant = self.tenants[key] = Tenant(key)
        return tenant

    # ---- requests -----------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Response:
        """One request (`query` is the raw query string); the answer as status, headers, body."""
        lowered = {str(k).lower(): str(v) for k, v in headers.items()}
        try:
            host = tenant_host(lowered.get("host", ""))
        except ValueError:
            return _errors(400, "base", ["a Host header naming the Coupa instance is required"])
        with self._lock:
            tenant = self.tenant(host)
            label = self._label(method, path)
            tenant.calls[label] += 1
            tenant.calls["total"] += 1
            response = self._dispatch(tenant, method, path, query, lowered, body)
        if self._log:
            self._log(f"coupa {host} {label} -> {response[0]}")
        return response

    @staticmethod
    def _label(method: str, path: str) -> str:
        match = API_PATH.fullmatch(path)
        if match and match.group(2):
            return f"{method} /api/{match.group(1)}/:id"
        return f"{method} {path.rstrip('/') or '/'}"

    def _dispatch(
        self,
        tenant: Tenant,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
    ) -> Response:
        # Faults and the rate limit come before any effect, so a retry is always safe.
        kind = "token" if path == TOKEN_PATH else "api"
        fault = next((f for f in tenant.faults if f.target in (kind, "any")), None)
        if fault is not None:
            tenant.faults.remove(fault)
            if fault.status == 401:
                return _oauth_error(401, "invalid_token", "injected fault 401")
            extra = {"Retry-After": str(fault.retry_after)} if fault.status == 429 else {}
            return _errors(fault.status, "base", [f"injected fault {fault.status}"], **extra)
        wait = tenant.bucket.take(self._clock())
        if wait:
            return _errors(
                429,
                "base",
                [f"rate limit: {tenant.bucket.rate:g} requests/s, burst {tenant.bucket.burst}"],
                **{"Retry-After": str(max(1, math.ceil(wait)))},
            )
        if path == TOKEN_PATH:
            if method != "POST":
                return _errors(405, "base", [f"{method} {path}: use POST"], Allow="POST")
            return self._token(tenant, query, headers, body)
        if path == "/api" or path.startswith("/api/"):
            return self._api(tenant, method, path, query, headers, body)
        return _errors(404, "base", [f"no route {method} {path}"])

    def _token(self, tenant: Tenant, query: str, headers: dict[str, str], body: bytes) -> Response:
        """m018/m019: client credentials, form-encoded; scopes granted as requested."""
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return _oauth_error(400, "invalid_request", "send the form x-www-form-urlencoded")
        form = dict(parse_qsl(body.decode(errors="replace"), keep_blank_values=True))
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "only client_credentials")
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        known = tenant.clients.get(client_id)
        if not client_id or (tenant.clients and (known is None or known != secret)):
            return _oauth_error(401, "invalid_client", "unknown client or wrong secret")
        scopes = frozenset(form.get("scope", "").split())
        token = secrets.token_urlsafe(32)
        tenant.tokens[token] = _Grant(self._clock() + tenant.token_lifetime, scopes)
        return _json(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": int(tenant.token_lifetime),
                "scope": " ".join(sorted(scopes)),
            },
            {"Cache-Control": "no-store"},
        )

    def _api(
        self,
        tenant: Tenant,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
    ) -> Response:
        match = API_PATH.fullmatch(path)
        resource = RESOURCES.get(match.group(1)) if match else None
        if match is None or resource is None:
            return _errors(
                404, "base", [f"no such resource {path}; emulated: suppliers, commodities"]
            )
        grant = self._grant(tenant, headers)
        if isinstance(grant, tuple):
            return grant
        # m006: content type and accept type must match; this emulator speaks JSON only.
        if not _accepts_json(headers.get("accept", "")):
            return _errors(406, "base", ["send Accept: application/json (XML is not emulated)"])
        item = match.group(2)
        allowed = ("GET", "PUT", "PATCH") if item is not None else ("GET", "POST")
        if method not in allowed:
            # §1.1/§1.2 and m006: no resource can be deleted through the API (deactivate it).
            return _errors(
                405,
                resource.singular,
                [f"{method} is not supported on {path}"],
                Allow=", ".join(allowed),
            )
        read, write = model.SCOPES[resource.plural]
        needed = read if method == "GET" else write
        if needed not in grant.scopes:
            return _oauth_error(403, "insufficient_scope", f"this call needs scope {needed}")
        payload: Any = None
        if method in ("POST", "PUT", "PATCH"):
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != JSON:
                return _errors(415, "base", ["send Content-Type: application/json"])
            try:
                payload = json.loads(body or b"null")
            except ValueError as exc:
                return _errors(400, resource.singular, [f"body is not JSON: {exc}"])
        table = tenant.records[resource.plural]
        try:
            if item is None and method == "GET":
                return self._list(resource, table, query)
            if item is None:
                return _json(201, self.create(tenant, resource, payload))
            record = table.get(int(item)) if item.isdigit() else None
            if record is None:
                name = resource.singular.capitalize()
                return _errors(404, resource.singular, [f"Couldn't find {name} with id={item}"])
            if method == "GET":
                return _json(200, record)
            return _json(200, self._update(tenant, resource, record, payload))
        except Invalid as exc:
            return _errors(400, resource.singular, exc.messages)

    def _grant(self, tenant: Tenant, headers: dict[str, str]) -> _Grant | Response:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _oauth_error(401, "invalid_token", "send Authorization: Bearer <token>")
        grant = tenant.tokens.get(token.strip())
        if grant is None:
            return _oauth_error(401, "invalid_token", "unknown token for this instance")
        if grant.expires_at <= self._clock():
            del tenant.tokens[token.strip()]
            return _oauth_error(401, "invalid_token", "the token has expired")
        return grant

    def _list(self, resource: Resource, table: dict[int, dict[str, Any]], query: str) -> Response:
        pairs = parse_qsl(query, keep_blank_values=True)
        paging = {"limit": str(model.PAGE_MAX), "offset": "0", "order_by": "id", "dir": "asc"}
        filters = []
        for key, value in pairs:
            if key in paging:
                paging[key] = value
            elif key in NOT_EMULATED_PARAMS:
                raise Invalid([f"the {key} parameter is not emulated"])
            else:
                filters.append((key, value))
        try:
            limit, offset = int(paging["limit"]), int(paging["offset"])
        except ValueError:
            raise Invalid(["limit and offset must be integers"]) from None
        if limit < 1 or offset < 0:
            raise Invalid(["limit must be at least 1 and offset at least 0"])
        order = model.canonical(paging["order_by"])
        if order not in resource.fields and order not in model.READ_ONLY:
            raise Invalid([f"cannot order by {paging['order_by']!r}"])
        if paging["dir"] not in ("asc", "desc"):
            raise Invalid(["dir must be asc or desc"])
        parsed = model.parse_filters(resource, filters)
        found = [r for _, r in sorted(table.items()) if model.matches(r, parsed)]
        found.sort(key=lambda r: _sort_key(r.get(order)))  # stable: ties stay in id order
        if paging["dir"] == "desc":
            found.reverse()
        page = found[offset : offset + min(limit, model.PAGE_MAX)]
        return _json(200 if page else model.EMPTY_LIST_STATUS, page)

    def now(self) -> str:
        return datetime.now(UTC).isoformat(timespec="seconds")

    def create(self, tenant: Tenant, resource: Resource, payload: Any) -> dict[str, Any]:
        values = model.coerce(resource, payload)
        record = {name: None for name in resource.fields} | resource.defaults | values
        table = tenant.records[resource.plural]
        model.check_record(resource, record, table.values())
        tenant.next_id[resource.plural] += 1
        now = self.now()
        record = {
            "id": tenant.next_id[resource.plural],
            **record,
            "created-at": now,
            "updated-at": now,
        }
        table[record["id"]] = record
        return record

    def _update(
        self, tenant: Tenant, resource: Resource, record: dict[str, Any], payload: Any
    ) -> dict[str, Any]:
        values = model.coerce(resource, {} if payload is None else payload)
        merged = {**record, **values}
        others = (r for r in tenant.records[resource.plural].values() if r["id"] != record["id"])
        model.check_record(resource, merged, others)
        merged["updated-at"] = self.now()
        record.clear()
        record.update(merged)
        return record

    # ---- control ------------------------------------------------------------------------

    def control(self, method: str, route: str, args: dict[str, Any]) -> Any:
        """A `/_sandbox/coupa/<route>` request; `args` are its query and body merged."""
        from controller.sandbox.coupa.control_routes import CONTROL_ROUTES  # imports this module

        handler = CONTROL_ROUTES.get((method, route.strip("/")))
        if handler is None:
            known = ", ".join(f"{m} /_sandbox/coupa/{r}" for m, r in CONTROL_ROUTES)
            raise ControlError(404, f"no control endpoint {method} coupa/{route}; known: {known}")
        with self._lock:
            try:
                return handler(self, args)
            except Invalid as exc:
                raise ControlError(400, "; ".join(exc.messages)) from None
            except (KeyError, TypeError, ValueError) as exc:
                raise ControlError(400, f"bad control request: {exc!r}") from None

    def reset(self, host: str | None = None) -> None:
        """Forget one tenant (or all): clients, tokens, records, faults, counters."""
        with self._lock:
            if host is None:
                self.tenants.clear()
            else:
                self.tenants.pop(tenant_host(host), None)
