"""The one adapter that talks to AWS: clients, preflight, and reading the live state.

Endpoints follow boto3's own convention (AWS_ENDPOINT_URL_INVOICING, _STS, _ORGANIZATIONS),
so the sandbox and moto need nothing special. Clients are made once per account/role/region
and reused; reads run concurrently (bounded); botocore retries throttling and 5xx itself.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import boto3
import botocore.exceptions
from botocore.config import Config

from controller.errors import AwsError, UserError
from controller.iampolicy import access_hint
from controller.model import PORTAL, Integration, Role
from controller.state import FeatureStatus, LivePreference, Observed, Supplier, SupplierList
from controller.translate import essence

DEFAULT_CONCURRENCY = 8
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


def _start_clock(context: dict, **_) -> None:
    context.setdefault("coupa_gitops_started", time.monotonic())


def _deadline(limits: Limits) -> Callable:
    """A needs-retry handler: no retry of a timeout that could not finish within the budget.

    botocore retries a timeout like any transient error (10 attempts of up to 40 s each);
    raising the timeout here ends the call instead (a None answer would not stop the retry).
    """

    def handler(request_dict: dict, caught_exception: Exception | None = None, **_) -> None:
        if not isinstance(
            caught_exception, (*TIMEOUTS, botocore.exceptions.EndpointConnectionError)
        ):
            return None
        started = request_dict.get("context", {}).get("coupa_gitops_started", time.monotonic())
        if time.monotonic() - started + limits.connect + limits.read > limits.budget:
            raise caught_exception
        return None

    return handler


def progress_wanted(env: Mapping[str, str] | None = None, stream=None) -> bool:
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
    """boto3 sessions and clients for one run, one per account/role/region, made once."""

    def __init__(
        self,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        retry_mode: str = "standard",
        max_attempts: int = 10,
        session_factory: Callable[[], boto3.Session] = boto3.Session,
        limits: Limits | None = None,
    ):
        self.concurrency = concurrency
        self.limits = limits or Limits.from_env()
        self._config = Config(
            retries={"mode": retry_mode, "max_attempts": max_attempts},
            max_pool_connections=max(concurrency, 10),
            user_agent_extra="coupa-gitops",
            connect_timeout=self.limits.connect,
            read_timeout=self.limits.read,
        )
        self._base = session_factory
        self._lock = threading.Lock()
        self._sessions: dict[Target, boto3.Session] = {}
        self._clients: dict[tuple[Target, str], object] = {}
        self._identities: dict[Target, Identity] = {}

    def _session(self, target: Target, name: str) -> boto3.Session:
        with self._lock:
            if target in self._sessions:
                return self._sessions[target]
        base = self._base()
        session = base
        if target.role_arn:
            sts = base.client("sts", region_name=target.region, config=self._config)
            try:
                creds = sts.assume_role(
                    RoleArn=target.role_arn, RoleSessionName=f"coupa-gitops-{name}"[:64]
                )["Credentials"]
            except Exception as exc:
                raise explain(exc, "sts", "AssumeRole", target.account, self.limits) from None
            session = boto3.Session(
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
                region_name=target.region,
            )
        with self._lock:
            return self._sessions.setdefault(target, session)

    def client(self, target: Target, service: str, name: str = "run"):
        """A cached client for `service` in the target's account."""
        key = (target, service)
        with self._lock:
            if key in self._clients:
                return self._clients[key]
        made = self._session(target, name).client(
            service, region_name=target.region, config=self._config
        )
        made.meta.events.register("before-call", _start_clock)
        made.meta.events.register_first("needs-retry", _deadline(self.limits))
        with self._lock:
            return self._clients.setdefault(key, made)

    def call(self, target: Target, service: str, operation: str, **params):
        """One API call; AWS errors become UserErrors naming the permission."""
        method = getattr(self.client(target, service), _snake(operation))
        try:
            return method(**params)
        except Exception as exc:
            raise explain(exc, service, operation, target.account, self.limits) from None

    def preflight(self, target: Target, name: str = "run") -> Identity:
        """Check the caller is the payer account of `target` (once per target per run)."""
        with self._lock:
            if target in self._identities:
                return self._identities[target]
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
        identity = Identity(caller, who["Arn"], payer)
        with self._lock:
            self._identities[target] = identity
        return identity


def _epoch(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value or "")


def to_live(
    target: Target, doc: dict, tags: list[dict], *, compared: bool = True
) -> LivePreference:
    """A LivePreference from a Get response, or from a List summary when not `compared`.

    The secret is kept only as a digest. An untagged (unmanaged) preference needs no Get:
    its summary has the natural key and statuses, and it is never diffed.
    """
    return LivePreference(
        arn=doc["ProcurementPortalPreferenceArn"],
        account=doc["AwsAccountId"],
        region=target.region,
        version=doc["Version"],
        portal=doc["ProcurementPortalName"],
        buyer_identity=doc["BuyerIdentifier"],
        supplier_identity=doc["SupplierIdentifier"],
        essence=essence(doc, hash_secrets=True) if compared else {},
        statuses=(
            FeatureStatus(
                "einvoice",
                doc.get("EinvoiceDeliveryPreferenceStatus"),
                doc.get("EinvoiceDeliveryPreferenceStatusReason"),
            ),
            FeatureStatus(
                "purchaseOrderRetrieval",
                doc.get("PurchaseOrderRetrievalPreferenceStatus"),
                doc.get("PurchaseOrderRetrievalPreferenceStatusReason"),
            ),
        ),
        tags=tuple(sorted((t["Key"], t["Value"]) for t in tags)),
        last_updated=_epoch(doc.get("LastUpdateDate")),
        role_arn=target.role_arn,
    )


class Reader:
    """Reads the live state of many accounts concurrently; each datum is read once."""

    def __init__(self, clients: Clients):
        self.clients = clients

    def tags(self, target: Target, arn: str) -> list[dict]:
        reply = self.clients.call(target, "invoicing", "ListTagsForResource", ResourceArn=arn)
        return reply.get("ResourceTags", [])

    def get(self, target: Target, arn: str) -> dict:
        reply = self.clients.call(
            target,
            "invoicing",
            "GetProcurementPortalPreference",
            ProcurementPortalPreferenceArn=arn,
        )
        return reply["ProcurementPortalPreference"]

    def _one(self, target: Target, summary: dict) -> LivePreference:
        arn = summary["ProcurementPortalPreferenceArn"]
        tags = self.tags(target, arn)
        if not any(t["Key"] == "coupa-gitops:name" for t in tags):
            return to_live(target, summary, tags, compared=False)
        return to_live(target, self.get(target, arn), tags)

    def observe(
        self, targets: Iterable[Target], names: dict[Target, str] | None = None
    ) -> Observed:
        """Preflight each target, then read every preference of every target."""
        targets = sorted(set(targets), key=lambda t: (t.account, t.region, t.role_arn or ""))
        names = names or {}
        with ThreadPoolExecutor(max_workers=self.clients.concurrency) as pool:
            list(pool.map(lambda t: self.clients.preflight(t, names.get(t, "run")), targets))
            per_target = list(pool.map(lambda t: self._list_and_submit(pool, t), targets))
            # One supplier list per account (and portal), however many integrations it has.
            first = {t.account: t for t in reversed(targets)}
            suppliers = list(pool.map(self.suppliers, sorted(first.values(), key=_by_account)))
            prefs = [future.result() for futures in per_target for future in futures]
        return Observed(tuple(prefs), tuple(sorted(first)), tuple(suppliers))

    def _paged(self, target: Target, operation: str, key: str, **params) -> list[dict]:
        paginator = self.clients.client(target, "invoicing").get_paginator(_snake(operation))
        try:
            return [item for page in paginator.paginate(**params) for item in page.get(key, [])]
        except Exception as exc:
            raise explain(exc, "invoicing", operation, target.account) from None

    def suppliers(self, target: Target, portal: str = PORTAL) -> SupplierList:
        """AWS's supplier identities on `portal`; a failed read is kept as the reason, because
        it blocks only a go-live (as a readiness check), not the rest of the plan."""
        try:
            portals = self._paged(target, "ListProcurementPortals", "ProcurementPortals")
            ids = [p["PortalIdentifier"] for p in portals if p.get("PortalName") == portal]
            if not ids:
                return SupplierList(target.account, portal, error=f"AWS lists no {portal} portal")
            found = self._paged(
                target,
                "ListProcurementPortalSuppliers",
                "ProcurementPortalSuppliers",
                PortalIdentifier=ids[0],
            )
        except UserError as exc:
            return SupplierList(target.account, portal, error=str(exc))
        return SupplierList(
            target.account,
            portal,
            tuple(
                Supplier(
                    s["SupplierIdentifier"],
                    s.get("Environment", ""),
                    s.get("SellerOfRecord", ""),
                    s.get("CountryCode", ""),
                )
                for s in found
            ),
        )

    def _list_and_submit(self, pool: ThreadPoolExecutor, target: Target) -> list:
        """List page by page; each preference's reads start while the next page loads."""
        paginator = self.clients.client(target, "invoicing").get_paginator(
            "list_procurement_portal_preferences"
        )
        futures = []
        try:
            for page in paginator.paginate(PaginationConfig={"PageSize": 100}):
                futures += [
                    pool.submit(self._one, target, summary)
                    for summary in page.get("ProcurementPortalPreferences", [])
                ]
        except Exception as exc:
            raise explain(
                exc,
                "invoicing",
                "ListProcurementPortalPreferences",
                target.account,
                self.clients.limits,
            ) from None
        progress(f"read account {target.account} ({target.region}): {len(futures)} preference(s)")
        return futures

    def reread(self, target: Target, arns: Sequence[str]) -> dict[str, int]:
        """Current Version of each ARN (None when it is gone), to detect a stale plan."""
        out: dict[str, int] = {}
        for arn in arns:
            try:
                out[arn] = self.get(target, arn)["Version"]
            except AwsError as exc:
                if exc.code != "ResourceNotFoundException":
                    raise
                out[arn] = -1
        return out


def _by_account(target: Target) -> tuple[str, str, str]:
    return (target.account, target.region, target.role_arn or "")


def targets_of(items: Iterable[Integration], role: Role) -> dict[Target, str]:
    """Each distinct target with the name of the first integration using it (session name)."""
    out: dict[Target, str] = {}
    for item in sorted(items, key=lambda i: i.name):
        out.setdefault(Target.of(item, role), item.name)
    return out
