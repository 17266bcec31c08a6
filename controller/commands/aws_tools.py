"""`verify-endpoint` and `import`: the AWS handshake and adopting a preference."""

from __future__ import annotations

from typing import TYPE_CHECKING

from controller import config
from controller.commands.scope import head_commit
from controller.commands.session import Session
from controller.config.model import Integration, Mode, Role
from controller.errors import UserError

if TYPE_CHECKING:
    from controller.providers.aws.state import LivePreference, Observed


def _find(paths: list[str], name: str) -> Integration:
    items = config.load(paths).require_valid()
    for item in items:
        if item.name == name:
            return item
    known = ", ".join(i.name for i in items) or "none"
    raise UserError(f"no integration named {name!r} under {', '.join(paths)} (known: {known})")


def _managed(session: Session, item: Integration) -> tuple[LivePreference, Observed]:
    observed = session.observe([item])
    for pref in observed.preferences:
        if pref.managed_name == item.name and pref.account == item.account:
            return pref, observed
    raise UserError(f"{item.name} does not exist in AWS yet: run `coupa-gitops apply` first")


def verify_endpoint_command(paths: list[str], name: str, code: str | None) -> int:
    item = _find(paths, name)
    # The handshake writes to the preference: a live one only with the go-live role.
    session = Session(Role.APPLY if item.mode is Mode.TEST else Role.GO_LIVE)
    pref, _ = _managed(session, item)
    target = session.target(item)
    if code is None:
        session.clients.call(
            target,
            "invoicing",
            "SendProcurementPortalValidation",
            ProcurementPortalPreferenceArn=pref.arn,
            # No fixed ClientToken: running this again must send a new code (the first one may
            # be lost); botocore fills a fresh token per call and reuses it on its own retries.
        )
        print(f"Validation code sent for {name} ({item.production.instance_url}).")
        print("Your Coupa administrator receives it; complete the handshake with:")
        print(f"  coupa-gitops verify-endpoint {name} --code CODE")
        return 0
    session.clients.call(
        target,
        "invoicing",
        "VerifyProcurementPortalValidation",
        ProcurementPortalPreferenceArn=pref.arn,
        Code=code,
        # No fixed ClientToken: a token over the code would let anyone who reads CloudTrail
        # test guesses of it offline, and a retry with a corrected code must go through.
    )
    print(f"Endpoint of {name} verified. Next: the connection test, then a go-live plan.")
    return 0


def import_command(paths: list[str], name: str, arn: str) -> int:
    from controller.providers.aws.translate import COMMIT_TAG, MODE_TAG, NAME_TAG

    item = _find(paths, name)
    # Adopting writes tags on a preference we know nothing about: the go-live role's work.
    session = Session(Role.GO_LIVE)
    observed = session.observe([item])
    pref = next((p for p in observed.preferences if p.arn == arn), None)
    if pref is None:
        raise UserError(f"{arn} is not a procurement portal preference of account {item.account}")
    if pref.managed_name == name:
        print(f"{arn} is already managed as {name}; nothing to do")
        return 0
    if pref.managed_name:
        raise UserError(f"{arn} is already managed as {pref.managed_name}, not {name}")
    if pref.natural_key != item.natural_key:
        raise UserError(
            f"{arn} is for buyer {pref.buyer_identity} and supplier {pref.supplier_identity}, "
            f"but {name} declares buyer {item.production.buyer.identity} and supplier "
            f"{item.production.supplier.identity}: it is not the same integration"
        )
    tags = [{"Key": NAME_TAG, "Value": name}]
    if pref.status_mode is not None:
        # What its statuses say; without any (punch-out only) a go-live records the mode.
        tags.append({"Key": MODE_TAG, "Value": str(pref.status_mode)})
    commit = head_commit()
    if commit:
        tags.append({"Key": COMMIT_TAG, "Value": commit})
    session.clients.call(
        session.target(item), "invoicing", "TagResource", ResourceArn=arn, ResourceTags=tags
    )
    print(f"imported {arn} as {name}; run `coupa-gitops plan` to see how it differs")
    return 0
