"""The one adapter that talks to AWS: clients, preflight, and reading the live state.

Endpoints follow boto3's own convention (AWS_ENDPOINT_URL_INVOICING, _STS, _ORGANIZATIONS),
so the sandbox and moto need nothing special. Clients are made once per account/role/region/
service from one botocore session (service models load once per run) and reused; reads run
concurrently (bounded), each account's as soon as its preflight passed; botocore retries
throttling and 5xx itself.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any, TypeVar, cast

import botocore.exceptions
import botocore.session
from botocore.config import Config

from controller.config.model import Integration, Role
from controller.errors import AwsError, UserError
from controller.providers.aws.iampolicy import access_hint

DEFAULT_CONCURRENCY = 8
_T = TypeVar("_T")

# How long one call may take before we say the endpoint does not answer. Env overrides exist
# for tests and slow links (COUPA_GITOPS_CONNECT_TIMEOUT / _READ_TIMEOUT / _CALL_BUDGET).
TIMEOUT_ENV = {
    "connect": "COUPA_GITOPS_CONNECT_TIMEOUT",
    "read": "COUPA_GITOPS_READ_TIMEOUT",
    "budget": "COUPA_GITOPS_CALL_BUDGET",
}
PROGRESS_ENV = "COUPA_GITOPS_PROGRESS"
TIMEOUTS = (botocore.exceptions.ConnectTimeoutError, botocore.exceptions.ReadTimeoutError)


@dataclass(frozen=True)
class Limits:
    """Per-attempt timeouts and the total time one call may take with its retries (seconds)."""

    connect: float = 10.0
    read: float = 30.0
    budget: float = 100.0  # a retry starts only if it can end within this: under two minutes

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Limits:
        env = os.environ if env is None else env
        values = {}
        for field, var in TIMEOUT_ENV.items():
            if env.get(var):
                try:
                    values[field] = float(env[var])
                except ValueError:
                    raise UserError(
                        f"{var} must be a number of seconds, not {env[var]!r}"
                    ) from None
        return cls(**values)

    def describe(self) -> str:
        return (
            f"{self.budget:g} s (connect timeout {self.connect:g} s, read timeout "
            f"{self.read:g} s, retries included)"
        )


def _start_clock(context: dict[str, Any], **_: object) -> None:
    context.setdefault("coupa_gitops_started", time.monotonic())


def _deadline(limits: Limits) -> Callable[..., None]:
    """A needs-retry handler: no retry of a timeout that could not finish within the budget.

    botocore retries a timeout like any transient error (10 attempts of up to 40 s each);
    raising the timeout here ends the call instead (a None answer would not stop the retry).
    """

    def handler(
        request_dict: dict[str, Any], caught_exception: Exception | None = None, **_: object
    ) -> None:
        if not isinstance(
            caught_exception, (*TIMEOUTS, botocore.exceptions.EndpointConnectionError)
        ):
            return None
        started = request_dict.get("context", {}).get("coupa_gitops_started", time.monotonic())
        if time.monotonic() - started + limits.connect + limits.read > limits.budget:
            raise caught_exception
        return None

    return handler


def progress_wanted(env: Mapping[str, str] | None = None, stream: IO[str] | None = None) -> bool:
    """Progress lines on a terminal, or when asked (COUPA_GITOPS_PROGRESS=1); quiet in CI logs."""
    env = os.environ if env is None else env
    stream = stream or sys.stderr
    if env.get(PROGRESS_ENV) in ("0", "false"):
        return False
    return bool(env.get(PROGRESS_ENV)) or (hasattr(stream, "isatty") and stream.isatty())


def progress(message: str) -> None:
    if progress_wanted():
        print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Target:
    """Where an integration lives: the account, the role to assume, the region."""

    account: str
    region: str
    role_arn: str | None = None

    @classmethod
    def of(cls, item: Integration, role: Role) -> Target:
        """Where `item` lives, reached through the role of `role`'s purpose."""
        return cls(item.account, item.region, item.role_arn_for(role))


@dataclass(frozen=True)
class Identity:
    account: str
    arn: str
    payer: str


def _snake(operation: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_")


def explain(
    exc: Exception,
    service: str,
    operation: str,
    account: str | None,
    limits: Limits | None = None,
) -> UserError:
    """A user-facing error for a failed AWS call: what failed, why, and what to do."""
    where = f" in account {account}" if account else ""
    if isinstance(exc, TIMEOUTS):
        url = exc.kwargs.get("endpoint_url", "?")
        return UserError(
            f"AWS endpoint {url} did not answer within {(limits or Limits()).describe()} "
            f"calling {service}:{operation}{where}; check the endpoint (AWS_ENDPOINT_URL_*), "
            f"the network or a proxy, then run again (longer: {TIMEOUT_ENV['read']})"
        )
    action = f"{service}:{operation}"  # the IAM action has the API's own name
    if isinstance(exc, botocore.exceptions.ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        message = exc.response.get("Error", {}).get("Message", "")
        if code.startswith("AccessDenied"):
            # AWS's managed policy grants only Create/Get/List: point at our own policies.
            return UserError(
                f"access denied calling {action}{where}: the caller lacks the permission "
                f"`{action}`: {access_hint(service, operation)}. See docs/github-setup.md."
            )
        return AwsError(f"{action}{where} failed: {code}: {message}", code)
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return UserError(
            "no AWS credentials found. Configure credentials for the payer account "
            "(AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or OIDC in CI), or try "
            "everything locally with `coupa-gitops demo`."
        )
    if isinstance(exc, botocore.exceptions.EndpointConnectionError):
        url = exc.kwargs.get("endpoint_url", "?")
        return UserError(
            f"cannot reach the AWS endpoint {url} for {service}{where}: {exc}; check the "
            "endpoint (AWS_ENDPOINT_URL_*), the network or a proxy"
        )
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return UserError(f"{action}{where} failed: {exc}")
    raise exc


class Clients:
    """Clients for one run from one loaded botocore session, one per account/role/region/service."""

    def __init__(
        self,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        retry_mode: str = "standard",
        max_attempts: int = 10,
        botocore_session: botocore.session.Session | None = None,
        limits: Limits | None = None,
    ):
        self.concurrency = concurrency
        self.limits = limits or Limits.from_env()
        self._config = Config(
            retries={"mode": retry_mode, "max_attempts": max_attempts},
            connect_timeout=self.limits.connect,
            read_timeout=self.limits.read,
            max_pool_connections=max(concurrency, 10),
            user_agent_extra="coupa-gitops",
        )
        # One session for every account: a session per assumed role re-loads each service
        # model and endpoint ruleset (~40 ms of CPU a client, under the GIL); here they load
        # once and a client per account only binds its credentials to them.
        self._core = botocore_session or botocore.session.get_session()
        self._lock = threading.Lock()
        self._making = threading.Lock()  # a botocore session is not thread-safe; clients are
        self._gates: dict[tuple[object, ...], threading.Lock] = {}
        # clients, credentials and identities: each key is only ever made by one `make`
        self._made: dict[tuple[object, ...], object] = {}
        # clients made, by (target or hub, service)
        self.created: Counter[tuple[Target | str, str]] = Counter()

    def _once(self, key: tuple[object, ...], make: Callable[[], _T]) -> _T:
        """`make()` run once per key, however many threads ask at the same time."""
        with self._lock:
            if key in self._made:
                return cast(_T, self._made[key])  # what this key's `make` made
            gate = self._gates.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in self._made:
                    return cast(_T, self._made[key])
            made = make()  # a failure caches nothing: the next caller tries again
            with self._lock:
                self._made[key] = made
            return made

    # A botocore client is untyped (no stubs): Any.
    def _create(self, owner: Target | str, service: str, region: str, **keys: str) -> Any:
        with self._making:
            self.created[(owner, service)] += 1
            made = self._core.create_client(
                service, region_name=region, config=self._config, **keys
            )
        made.meta.events.register("before-call", _start_clock)
        made.meta.events.register_first("needs-retry", _deadline(self.limits))
        return made

    def _assume(self, target: Target, name: str) -> dict[str, Any]:
        hub = self._once(
            ("hub", target.region, "sts"), lambda: self._create("hub", "sts", target.region)
        )
        try:
            creds: dict[str, Any] = hub.assume_role(
                RoleArn=target.role_arn, RoleSessionName=f"coupa-gitops-{name}"[:64]
            )["Credentials"]
            return creds
        except Exception as exc:
            raise explain(exc, "sts", "AssumeRole", target.account, self.limits) from None

    def _client(self, target: Target, service: str, name: str) -> Any:
        keys: dict[str, str] = {}
        if target.role_arn:
            creds = self._once(("role", target), lambda: self._assume(target, name))
            keys = {
                "aws_access_key_id": creds["AccessKeyId"],
                "aws_secret_access_key": creds["SecretAccessKey"],
                "aws_session_token": creds["SessionToken"],
            }
        return self._create(target, service, target.region, **keys)

    def client(self, target: Target, service: str, name: str = "run") -> Any:
        """A cached client for `service` in the target's account (assuming its role once)."""
        return self._once(("client", target, service), lambda: self._client(target, service, name))

    def call(self, target: Target, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """One API call; AWS errors become UserErrors naming the permission."""
        method = getattr(self.client(target, service), _snake(operation))
        try:
            reply: dict[str, Any] = method(**params)
            return reply
        except Exception as exc:
            raise explain(exc, service, operation, target.account, self.limits) from None

    def preflight(self, target: Target, name: str = "run") -> Identity:
        """Check the caller is the payer account of `target` (once per target per run)."""
        return self._once(("identity", target), lambda: self._preflight(target, name))

    def _preflight(self, target: Target, name: str) -> Identity:
        self.client(target, "sts", name)  # assumes the role first, with the integration's name
        who = self.call(target, "sts", "GetCallerIdentity")
        caller = who["Account"]
        try:
            org = self.client(target, "organizations").describe_organization()["Organization"]
            payer = org["MasterAccountId"]
        except botocore.exceptions.ClientError as exc:
            if exc.response["Error"]["Code"] != "AWSOrganizationsNotInUseException":
                raise explain(
                    exc, "organizations", "DescribeOrganization", caller, self.limits
                ) from None
            payer = caller  # no organization: the account is its own payer
        except Exception as exc:
            raise explain(
                exc, "organizations", "DescribeOrganization", caller, self.limits
            ) from None
        if caller != target.account:
            raise UserError(
                f"the credentials are for account {caller}, but the integration is for "
                f"account {target.account}: run with credentials of {target.account}"
                + (f" or check spec.roleArn ({target.role_arn})" if target.role_arn else "")
            )
        if caller != payer:
            raise UserError(
                f"account {caller} is a member of the AWS Organization whose payer "
                f"(management) account is {payer}: only the payer account can configure "
                f"procurement integrations, so set spec.account to {payer} and use its "
                "credentials"
            )
        return Identity(caller, who["Arn"], payer)
