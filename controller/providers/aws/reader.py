"""Reading the live state of many accounts: every preference once, pipelined per account."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from controller.config.model import PORTAL, Integration, Role
from controller.errors import AwsError, UserError
from controller.providers.aws.live import Clients, Target, progress
from controller.providers.aws.state import (
    FeatureStatus,
    LivePreference,
    Observed,
    Supplier,
    SupplierList,
)
from controller.providers.aws.translate import essence


def _epoch(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value or "")


def to_live(
    target: Target, doc: Mapping[str, Any], tags: list[dict[str, str]], *, compared: bool = True
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
        po_endpoints=po_endpoints(doc),
    )


def po_endpoints(doc: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """AWS's generated PO endpoints (Coupa's cxml-url), by environment, where the doc has them."""
    test = doc.get("TestEnvPreference") or {}
    found = (
        ("production", doc.get("PurchaseOrderRetrievalEndpoint")),
        ("test", test.get("PurchaseOrderRetrievalEndpoint")),
    )
    return tuple((env, url) for env, url in found if url)


class Reader:
    """Reads the live state of many accounts concurrently; each datum is read once."""

    def __init__(self, clients: Clients):
        self.clients = clients

    def tags(self, target: Target, arn: str) -> list[dict[str, str]]:
        reply = self.clients.call(target, "invoicing", "ListTagsForResource", ResourceArn=arn)
        tags: list[dict[str, str]] = reply.get("ResourceTags", [])
        return tags

    def get(self, target: Target, arn: str) -> dict[str, Any]:
        reply = self.clients.call(
            target,
            "invoicing",
            "GetProcurementPortalPreference",
            ProcurementPortalPreferenceArn=arn,
        )
        doc: dict[str, Any] = reply["ProcurementPortalPreference"]
        return doc

    def _one(self, target: Target, summary: Mapping[str, Any]) -> LivePreference:
        arn = summary["ProcurementPortalPreferenceArn"]
        tags = self.tags(target, arn)
        if not any(t["Key"] == "coupa-gitops:name" for t in tags):
            return to_live(target, summary, tags, compared=False)
        return to_live(target, self.get(target, arn), tags)

    def observe(
        self, targets: Iterable[Target], names: dict[Target, str] | None = None
    ) -> Observed:
        """Preflight each target, then read every preference of every target."""
        targets = sorted(set(targets), key=_by_account)
        names = names or {}
        with ThreadPoolExecutor(max_workers=self.clients.concurrency) as pool:
            try:
                # No barrier across accounts: each lists once its own preflight passed, and
                # reads AWS's supplier list once (per account and portal) in the same pipeline.
                first = {t.account: t for t in reversed(targets)}
                per_target = [
                    pool.submit(
                        self._preflight_and_list,
                        pool,
                        t,
                        names.get(t, "run"),
                        first[t.account] == t,
                    )
                    for t in targets
                ]
                listed = [future.result() for future in per_target]  # preflight errors first
                prefs = [future.result() for futures, _ in listed for future in futures]
                suppliers = [found.result() for _, found in listed if found is not None]
            except BaseException:
                # Fail fast: hundreds of accounts' reads would only delay the error.
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        return Observed(tuple(prefs), tuple(sorted(first)), tuple(suppliers))

    def _preflight_and_list(
        self, pool: ThreadPoolExecutor, target: Target, name: str, suppliers: bool
    ) -> tuple[list[Future[LivePreference]], Future[SupplierList] | None]:
        self.clients.preflight(target, name)
        found = pool.submit(self.suppliers, target) if suppliers else None
        return self._list_and_submit(pool, target), found

    def _pages(self, target: Target, operation: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Each page of a list call, by NextToken as it arrives (no paginator: building one
        loads a model file per client, and two threads building one at once load it twice)."""
        seen: set[str | None] = set()
        token: str | None = None
        while True:
            page = self.clients.call(
                target, "invoicing", operation, **params, **({"NextToken": token} if token else {})
            )
            yield page
            seen.add(token)
            token = page.get("NextToken")
            if not token or token in seen:  # a repeated token would loop forever
                return

    def _paged(
        self, target: Target, operation: str, key: str, **params: Any
    ) -> list[dict[str, Any]]:
        """Every item of every page of a list call."""
        return [
            item for page in self._pages(target, operation, **params) for item in page.get(key, [])
        ]

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

    def _list_and_submit(
        self, pool: ThreadPoolExecutor, target: Target
    ) -> list[Future[LivePreference]]:
        """List page by page; each preference's reads start while the next page loads."""
        futures: list[Future[LivePreference]] = []
        for page in self._pages(target, "ListProcurementPortalPreferences", MaxResults=100):
            futures += [
                pool.submit(self._one, target, summary)
                for summary in page.get("ProcurementPortalPreferences", [])
            ]
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


def targets_of(items: Iterable[Integration], role: Role) -> dict[Target, str]:
    """Each distinct target with the name of the first integration using it (session name)."""
    out: dict[Target, str] = {}
    for item in sorted(items, key=lambda i: i.name):
        out.setdefault(Target.of(item, role), item.name)
    return out


def _by_account(target: Target) -> tuple[str, str, str]:
    return (target.account, target.region, target.role_arn or "")
