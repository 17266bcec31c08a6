"""Client of the sandbox's control endpoints (`/_sandbox/...`), stdlib urllib only.

Module functions take the sandbox's base URL; `Control(url)` (also `Sandbox.control`) binds it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import TYPE_CHECKING, Any

from controller.sandbox.control_error import ControlError

if TYPE_CHECKING:
    from controller.sandbox.coupa.control import CoupaControl

TIMEOUT_S = 30


def _request(url: str, method: str, route: str, body: Any = None, **query: str) -> Any:
    """The route's JSON answer (a document of the route's own shape: callers annotate it)."""
    address = f"{url.rstrip('/')}/_sandbox/{route}"
    if query:
        address += "?" + urllib.parse.urlencode(query)
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(address, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            message = json.loads(raw).get("error", raw.decode(errors="replace"))
        except ValueError:
            message = raw.decode(errors="replace")
        raise ControlError(exc.code, message) from None


def health(url: str) -> bool:
    return bool(_request(url, "GET", "health").get("ok"))


def validation_code(url: str, arn: str) -> str:
    """The last code SendProcurementPortalValidation issued for `arn`."""
    answer: str = _request(url, "GET", "validation-code", arn=arn)["code"]
    return answer


def set_connection_test(
    url: str, arn: str, passed: bool, feature: str | None = None
) -> dict[str, Any]:
    """Run a simulated connection test; `feature` is EinvoiceDelivery or PurchaseOrderRetrieval
    (None: every enabled feature that can be tested). Returns the stored preference."""
    body = {"arn": arn, "passed": passed, "feature": feature}
    answer: dict[str, Any] = _request(url, "POST", "connection-test", body)
    return answer


def drift(url: str, arn: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a preference out of band (deep merge, null deletes); returns the new document."""
    answer: dict[str, Any] = _request(url, "POST", "drift", {"arn": arn, "changes": changes})
    return answer


def plant_tags(url: str, arn: str, tags: dict[str, str]) -> dict[str, str]:
    """Store tags on a preference without the API's checks (defence-in-depth tests)."""
    answer: dict[str, str] = _request(url, "POST", "tags", {"arn": arn, "tags": tags})
    return answer


def get_faults(url: str) -> dict[str, Any]:
    answer: dict[str, Any] = _request(url, "GET", "faults")
    return answer


def set_faults(
    url: str,
    latency_ms: float | None = None,
    fault_rate: float | None = None,
    throttle_rate: float | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """Change the given fault settings (None keeps one); a seed restarts the fault RNG."""
    settings = {
        "latency_ms": latency_ms,
        "fault_rate": fault_rate,
        "throttle_rate": throttle_rate,
        "seed": seed,
    }
    answer: dict[str, Any] = _request(
        url, "POST", "faults", {key: value for key, value in settings.items() if value is not None}
    )
    return answer


def reset(url: str) -> None:
    """Forget every preference, tag, token and code, and zero the call counters."""
    _request(url, "POST", "reset", {})


def call_counts(url: str) -> dict[str, int]:
    """API requests per operation since start or the last reset (refused and faulted ones, and
    STS and Organizations ones, too)."""
    answer: dict[str, int] = _request(url, "GET", "calls")
    return answer


def reset_call_counts(url: str) -> None:
    _request(url, "POST", "calls/reset", {})


def map_account(url: str, access_key_id: str, account_id: str) -> dict[str, Any]:
    """Make `access_key_id` act as `account_id` from now on."""
    body = {"access_key_id": access_key_id, "account_id": account_id}
    answer: dict[str, Any] = _request(url, "POST", "accounts", body)
    return answer


def set_policy(url: str, access_key: str, policy: dict[str, Any] | None) -> dict[str, Any]:
    """Give `access_key` (or a role ARN: the keys AssumeRole mints for it) an IAM policy;
    None removes it, leaving the key unrestricted. Returns every policy set."""
    answer: dict[str, Any] = _request(
        url, "PUT", "policies", {"accessKey": access_key, "policy": policy}
    )
    return answer


def policies(url: str) -> dict[str, Any]:
    """The policy documents set, by access key or role ARN."""
    answer: dict[str, Any] = _request(url, "GET", "policies")["policies"]
    return answer


class Control:
    """The control client bound to one sandbox URL."""

    def __init__(self, url: str) -> None:
        self.url = url

    def health(self) -> bool:
        return health(self.url)

    def validation_code(self, arn: str) -> str:
        return validation_code(self.url, arn)

    def set_connection_test(
        self, arn: str, passed: bool, feature: str | None = None
    ) -> dict[str, Any]:
        return set_connection_test(self.url, arn, passed, feature)

    def drift(self, arn: str, changes: dict[str, Any]) -> dict[str, Any]:
        return drift(self.url, arn, changes)

    def plant_tags(self, arn: str, tags: dict[str, str]) -> dict[str, str]:
        return plant_tags(self.url, arn, tags)

    def get_faults(self) -> dict[str, Any]:
        return get_faults(self.url)

    def set_faults(
        self,
        latency_ms: float | None = None,
        fault_rate: float | None = None,
        throttle_rate: float | None = None,
        seed: int | None = None,
    ) -> dict[str, Any]:
        return set_faults(self.url, latency_ms, fault_rate, throttle_rate, seed)

    def reset(self) -> None:
        reset(self.url)

    def call_counts(self) -> dict[str, int]:
        return call_counts(self.url)

    def reset_call_counts(self) -> None:
        reset_call_counts(self.url)

    def map_account(self, access_key_id: str, account_id: str) -> dict[str, Any]:
        return map_account(self.url, access_key_id, account_id)

    def set_policy(self, access_key: str, policy: dict[str, Any] | None) -> dict[str, Any]:
        return set_policy(self.url, access_key, policy)

    def policies(self) -> dict[str, Any]:
        return policies(self.url)

    @property
    def coupa(self) -> CoupaControl:
        """The Coupa emulator's control endpoints (`/_sandbox/coupa/...`)."""
        from controller.sandbox.coupa.control import CoupaControl

        return CoupaControl(self.url)
