"""Coupa Core API client: OAuth 2.0 client credentials, paging, filters, retries (httpx).

Facts: ../shared/reference/coupa-core-api.md (§1, §3, §4.3, §5). Where the fact sheet says
"not confirmed", the docstring or comment below says so.

    with CoupaClient("https://acme.coupahost.com", "acme-gitops", secret) as coupa:
        suppliers = coupa.find("suppliers", name="AWS Marketplace")

`COUPA_ENDPOINT_URL` (or `endpoint_url=`) sends every instance's calls to one address, with
the instance's host in `Host`: that is how tests and the demo reach the sandbox's emulator.
The client secret and the tokens never appear in a repr, a message or an exception.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from controller.errors import UserError
from controller.providers.coupa.http import (
    filter_key,
    filter_value,
    messages_of,
    retry_after,
    secret_values,
    split_instance,
)

ENDPOINT_ENV = "COUPA_ENDPOINT_URL"
# m018/m019 document /oauth2/token; not confirmed (#4): the Swagger names /oauth2/access_tokens.
TOKEN_PATH = "/oauth2/token"
PAGE_SIZE = 50  # §3.2: at most 50 records per GET; not confirmed (#5): whether more is refused
# §4.2. Not confirmed (#3): that commodities need core.common.* (the Swagger maps no scope).
DEFAULT_SCOPES = (
    "core.supplier.read",
    "core.supplier.write",
    "core.common.read",
    "core.common.write",
)
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
RETRY_BUDGET_S = 60.0  # total time one call may spend retrying 429/5xx before it gives up
MAX_ATTEMPTS = 8
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 8.0
# Refresh when less than 5 minutes or 10% of the token's life is left, whichever is smaller:
# a 24 h token is reused for ~23 h 55 min, a 1 s test token for 0.9 s.
REFRESH_MARGIN_S = 300.0
REFRESH_FRACTION = 0.1
DEFAULT_EXPIRES_IN_S = 3600.0  # if a token reply lacks expires_in (m018 documents 86399)
REDACTED = "[redacted]"
_PAGING = ("limit", "offset")
_SINGULAR = {"suppliers": "supplier", "commodities": "commodity"}


@dataclass(frozen=True)
class Token:
    """An access token and when this client obtained it (its own clock)."""

    value: str = field(repr=False)
    obtained_at: float
    expires_in: float
    scope: str

    def refresh_at(self) -> float:
        """The moment after which the token is refreshed rather than used."""
        margin = min(REFRESH_MARGIN_S, REFRESH_FRACTION * self.expires_in)
        return self.obtained_at + self.expires_in - margin


@dataclass(frozen=True)
class Page:
    """One GET of a collection: the records, and the offset and limit asked for."""

    items: tuple[dict[str, Any], ...]
    offset: int
    limit: int

    @property
    def last(self) -> bool:
        """A short page ends the data (§3.2: there is no total count and no Link header)."""
        return len(self.items) < self.limit


class CoupaError(UserError):
    """A Coupa call failed; `status` is the HTTP status (0: no answer), `messages` Coupa's."""

    def __init__(self, message: str, status: int = 0, messages: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.messages = messages


class CoupaClient:
    """One Coupa instance's Core API: `find`, `page`, `get`, `create`, `update` (no delete).

    Coupa deletes nothing through the API (m006): deactivate with `update` instead.
    """

    def __init__(
        self,
        instance_url: str,
        client_id: str,
        client_secret: str,
        *,
        endpoint_url: str | None = None,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry_budget_s: float = RETRY_BUDGET_S,
        min_token_age_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`min_token_age_s`: wait this long before a new token's first use (see `_token`)."""
        self._base, self.host = split_instance(instance_url)
        self.instance_url = self._base
        self.client_id = client_id
        self._secret = client_secret
        self._scopes = " ".join(scopes)
        self._budget = retry_budget_s
        self._min_token_age = min_token_age_s
        self._clock = clock
        self._sleep = sleep
        self._random = random.Random()
        self._token_cache: Token | None = None
        self._spent: list[str] = []  # earlier token values: redacted from messages too
        endpoint = endpoint_url if endpoint_url is not None else os.environ.get(ENDPOINT_ENV)
        headers = {"Accept": "application/json", "User-Agent": "coupa-gitops"}
        if endpoint:
            self._target = endpoint.rstrip("/")
            headers["Host"] = self.host  # the endpoint stands in for the instance named here
        else:
            self._target = self._base
        self._http = httpx.Client(timeout=timeout, headers=headers, follow_redirects=False)

    def __repr__(self) -> str:
        return f"CoupaClient({self.instance_url!r}, client_id={self.client_id!r})"

    def __enter__(self) -> CoupaClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # ---- the API --------------------------------------------------------------------------

    def page(
        self, resource: str, offset: int = 0, limit: int = PAGE_SIZE, **filters: object
    ) -> Page:
        """One GET of `/api/<resource>` at `offset`; filters as in `find`."""
        params = self._params(filters)
        params.update(limit=str(limit), offset=str(offset))
        what = f"list {resource}"
        response = self._send("GET", f"/api/{_name(resource)}", what, params=params)
        if response.status_code == 404:
            # Not confirmed (#8): m011 shows `[]` for no match, m032 a 404. Both mean empty.
            return Page((), offset, limit)
        body = self._json(response, what)
        if not isinstance(body, list):
            raise self._error(f"could not {what}: the answer is not a JSON list", response)
        return Page(tuple(body), offset, limit)

    def find(self, resource: str, /, **filters: object) -> list[dict[str, Any]]:
        """Every record matching `filters`, all pages (`limit=50`, `offset`, short page ends).

        `name="X"` is exact equality (re-checked here: whether Coupa's equality ignores case is
        not confirmed); `po_method` means `po-method`; `name__contains="X"` means
        `name[contains]=X`; a list value is joined with commas for `__in`.
        """
        found: list[dict[str, Any]] = []
        seen: set[Any] = set()
        offset = 0
        while True:
            page = self.page(resource, offset, PAGE_SIZE, **filters)
            ids = [item.get("id") for item in page.items]
            if any(i is not None and i in seen for i in ids):
                # a server that ignored `offset` would otherwise be paged forever
                raise CoupaError(
                    f"Coupa at {self.host}: listing {resource} returned the same records "
                    f"again at offset {offset}; paging by offset does not work here"
                )
            seen.update(ids)
            found.extend(page.items)
            if page.last:
                break
            offset += len(page.items)
        exact = {filter_key(k): filter_value(v) for k, v in filters.items()}
        exact = {k: v for k, v in exact.items() if "[" not in k}
        return [r for r in found if all(_text(r[k]) == v for k, v in exact.items() if k in r)]

    def find_one(self, resource: str, /, **filters: object) -> dict[str, Any] | None:
        """The one record matching `filters`, None if none; more than one is an error."""
        found = self.find(resource, **filters)
        if len(found) > 1:
            ids = ", ".join(str(r.get("id")) for r in found)
            shown = ", ".join(f"{k}={v!r}" for k, v in filters.items())
            raise CoupaError(f"Coupa at {self.host}: {len(found)} {resource} match {shown} ({ids})")
        return found[0] if found else None

    def get(self, resource: str, record_id: int) -> dict[str, Any]:
        """`GET /api/<resource>/<id>`; a missing id is a CoupaError with status 404."""
        what = f"read {resource} {record_id}"
        response = self._send("GET", f"/api/{_name(resource)}/{int(record_id)}", what)
        return self._object(response, what)

    def create(self, resource: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """`POST /api/<resource>`: the created record, with its new id (m006)."""
        what = f"create a {_SINGULAR.get(resource, resource)}"
        response = self._send("POST", f"/api/{_name(resource)}", what, json=dict(fields))
        return self._object(response, what, dict(fields))

    def update(self, resource: str, record_id: int, fields: Mapping[str, Any]) -> dict[str, Any]:
        """`PUT /api/<resource>/<id>` with only `fields` (a partial update): the new record."""
        what = f"update {resource} {record_id}"
        path = f"/api/{_name(resource)}/{int(record_id)}"
        response = self._send("PUT", path, what, json=dict(fields))
        return self._object(response, what, dict(fields))

    # ---- tokens ----------------------------------------------------------------------------

    def _token(self) -> Token:
        """The cached token, or a new one when it is near its end (§4.3: ~24 h life).

        m018/m019 also say to wait 5 s between getting a token and using it; the emulator
        does not need it, so the wait (`min_token_age_s`) is off unless asked for.
        """
        token = self._token_cache
        if token is not None and self._clock() < token.refresh_at():
            return token
        if token is not None:
            self._spent.append(token.value)
        token = self._fetch_token()
        self._token_cache = token
        if self._min_token_age > 0:
            self._sleep(self._min_token_age)
        return token

    def _fetch_token(self) -> Token:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._secret,
            "scope": self._scopes,
        }
        what = "get an access token"
        response = self._send("POST", TOKEN_PATH, what, data=form, auth=False)
        if response.status_code in (400, 401, 403):
            raise self._error(
                f"refused the client credentials of client {self.client_id!r} "
                "(check the client id, its secret and its scopes)",
                response,
            )
        body = self._json(response, what)
        value = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(value, str) or not value:
            raise self._error("could not get an access token: the answer has none", response)
        try:
            expires_in = float(body.get("expires_in", DEFAULT_EXPIRES_IN_S))
        except (TypeError, ValueError):
            expires_in = DEFAULT_EXPIRES_IN_S
        return Token(value, self._clock(), expires_in, str(body.get("scope", self._scopes)))

    # ---- one request, with retries ---------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        auth: bool = True,
    ) -> httpx.Response:
        """Send once, or again after 429/5xx within the budget, or after one 401 (new token).

        A POST is retried only when it cannot have taken effect (429, 503, no connection):
        a create repeated after a 500 or a read timeout could create the record twice.
        Returns the response for any other status; callers judge 4xx.
        """
        started = self._clock()
        attempts, refreshed = 0, False
        extra_secrets = list(secret_values(json))
        while True:
            headers = {"Authorization": f"Bearer {self._token().value}"} if auth else {}
            try:
                response = self._http.request(
                    method,
                    self._target + path,
                    params=params,
                    json=json,
                    data=data,
                    headers=headers,
                )
            except httpx.TransportError as exc:
                unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                retryable, status, delay = unsent or method != "POST", 0, None
                reason = f"no answer ({type(exc).__name__})"
            else:
                status = response.status_code
                if status == 401 and auth and not refreshed:
                    self._drop_token()  # revoked or expired early: one new token, one retry
                    refreshed = True
                    continue
                if status < 500 and status != 429:
                    return response
                retryable = status in (429, 503) or method != "POST"
                delay = retry_after(response)
                reason = f"HTTP {status}"
            attempts += 1
            elapsed = self._clock() - started
            if not retryable:
                raise CoupaError(
                    self._redact(
                        f"Coupa at {self.host}: could not {what}: {reason}; not retried, as "
                        "the request may have taken effect (look before running again)",
                        extra_secrets,
                    ),
                    status,
                )
            if delay is None:
                backoff = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (attempts - 1))
                delay = backoff * (0.5 + self._random.random() / 2)  # jitter spreads retries
            if attempts >= MAX_ATTEMPTS or elapsed + delay > self._budget:
                raise CoupaError(
                    self._redact(
                        f"Coupa at {self.host}: could not {what}: {reason} after {attempts} "
                        f"attempt(s) in {elapsed:.1f} s (retry budget {self._budget:g} s"
                        + (f"; Coupa asked to wait {delay:g} s more)" if delay else ")"),
                        extra_secrets,
                    ),
                    status,
                )
            self._sleep(delay)

    def _drop_token(self) -> None:
        if self._token_cache is not None:
            self._spent.append(self._token_cache.value)
        self._token_cache = None

    # ---- answers and errors ----------------------------------------------------------------

    def _params(self, filters: Mapping[str, object]) -> dict[str, str]:
        params = {filter_key(key): filter_value(value) for key, value in filters.items()}
        clash = sorted(set(params) & set(_PAGING))
        if clash:
            raise ValueError(f"{clash} are set by the client's paging, not as filters")
        return params

    def _json(self, response: httpx.Response, what: str, sent: Any = None) -> Any:
        if response.status_code >= 400:
            raise self._error(f"could not {what}", response, sent)
        try:
            return response.json()
        except ValueError:
            raise self._error(f"could not {what}: the answer is not JSON", response) from None

    def _object(self, response: httpx.Response, what: str, sent: Any = None) -> dict[str, Any]:
        body = self._json(response, what, sent)
        if not isinstance(body, dict):
            raise self._error(f"could not {what}: the answer is not a JSON object", response)
        return body

    def _error(self, text: str, response: httpx.Response, sent: Any = None) -> CoupaError:
        messages = tuple(self._redact(m, secret_values(sent)) for m in messages_of(response))
        detail = "; ".join(messages) or response.reason_phrase
        message = f"Coupa at {self.host}: {text}: HTTP {response.status_code}: {detail}"
        return CoupaError(
            self._redact(message, secret_values(sent)), response.status_code, messages
        )

    def _redact(self, text: str, extra: Iterable[str] = ()) -> str:
        """`text` without the client secret, any token, or the secrets of the request body."""
        current = [self._token_cache.value] if self._token_cache else []
        for secret in sorted({self._secret, *current, *self._spent, *extra}, key=len, reverse=True):
            if secret:
                text = text.replace(secret, REDACTED)
        return text


def _name(resource: str) -> str:
    """A collection name such as `suppliers`; refuses anything that would change the path."""
    if not resource or not resource.replace("_", "").isalpha() or not resource.islower():
        raise ValueError(f"not a Coupa resource name: {resource!r}")
    return resource


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
