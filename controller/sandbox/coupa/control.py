"""Client of the Coupa emulator's control endpoints (`/_sandbox/coupa/...`), stdlib only.

`Control(url).coupa` (also `Sandbox.control.coupa`) returns one bound to the sandbox. Every
call names the tenant by its instance host (or URL): `acme.coupahost.com`.
"""

from __future__ import annotations

from typing import Any, cast

from controller.sandbox.control import _request


class CoupaControl:
    """The Coupa emulator's test hooks, on one sandbox URL."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _call(self, method: str, route: str, body: Any = None, **query: str) -> Any:
        return _request(self.url, method, f"coupa/{route}", body, **query)

    def register_client(self, host: str, client_id: str, client_secret: str) -> dict[str, Any]:
        """Accept only registered clients on `host` from now on (none registered: any)."""
        body = {"host": host, "client_id": client_id, "client_secret": client_secret}
        return cast("dict[str, Any]", self._call("PUT", "clients", body))

    def set_token_lifetime(self, host: str, seconds: float) -> dict[str, Any]:
        """Tokens issued on `host` from now on live `seconds` (default 86399)."""
        return cast(
            "dict[str, Any]",
            self._call("PUT", "token-lifetime", {"host": host, "seconds": seconds}),
        )

    def revoke_tokens(self, host: str) -> int:
        """Invalidate every token issued on `host` (the next API call gets 401)."""
        return cast(int, self._call("POST", "tokens/revoke", {"host": host})["revoked"])

    def suppliers(self, host: str) -> list[dict[str, Any]]:
        """The tenant's suppliers as stored, in id order."""
        return cast("list[dict[str, Any]]", self._call("GET", "suppliers", host=host))

    def commodities(self, host: str) -> list[dict[str, Any]]:
        """The tenant's commodities as stored, in id order."""
        return cast("list[dict[str, Any]]", self._call("GET", "commodities", host=host))

    def seed(
        self, host: str, records: list[dict[str, Any]], resource: str = "suppliers"
    ) -> list[dict[str, Any]]:
        """Create records with the API's validation, bypassing token, faults and rate limit."""
        body = {"host": host, "resource": resource, "records": records}
        return cast("list[dict[str, Any]]", self._call("POST", "seed", body))

    def drift(
        self,
        host: str,
        changes: dict[str, Any],
        *,
        name: str | None = None,
        id: int | None = None,
        resource: str = "suppliers",
    ) -> dict[str, Any]:
        """Edit a record (by name or id) behind the tool's back; returns it."""
        body: dict[str, Any] = {"host": host, "resource": resource, "changes": changes}
        body.update({"name": name} if id is None else {"id": id})
        return cast("dict[str, Any]", self._call("POST", "drift", body))

    def inject(
        self, host: str, status: int, count: int = 1, retry_after: int = 1, target: str = "api"
    ) -> int:
        """Answer the tenant's next `count` requests to `target` (api, token or any) with
        `status` (401, 429 or 5xx; a 429 carries Retry-After); returns the faults pending."""
        body = {
            "host": host,
            "status": status,
            "count": count,
            "retry_after": retry_after,
            "target": target,
        }
        return cast(int, self._call("POST", "faults", body)["pending"])

    def set_rate_limit(self, host: str, rate: float = 25.0, burst: int = 20) -> dict[str, Any]:
        """The tenant's token bucket (requests/s, burst); rate 0 turns the limit off."""
        return cast(
            "dict[str, Any]",
            self._call("PUT", "rate-limit", {"host": host, "rate": rate, "burst": burst}),
        )

    def calls(self, host: str) -> dict[str, int]:
        """Requests per `METHOD /path` (`:id` for items) and `total`, faulted ones included."""
        return cast("dict[str, int]", self._call("GET", "calls", host=host))

    def reset_calls(self, host: str | None = None) -> None:
        self._call("POST", "calls/reset", {} if host is None else {"host": host})

    def reset(self, host: str | None = None) -> None:
        """Forget one tenant (or every one): clients, tokens, records, faults, counters."""
        self._call("POST", "reset", {} if host is None else {"host": host})
