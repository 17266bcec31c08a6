"""The IAM policies of coupa-gitops' three roles, built from one table of operations.

Three roles, one per purpose, in the hub account that runs the workflows and again in every
payer account reached through `spec.roleArn` (there `{role}` names the purpose):

* plan: reads only. Trusted from pull requests and `main`; pull requests run the pull
  request's code, so it reads no secrets.
* apply: the routine writes, only on preferences tagged `coupa-gitops:mode=test`, and never
  UpdateProcurementPortalPreferenceStatus. Trusted from `main` only.
* go-live: everything the tool does. Trusted from the `go-live` environment only.

What IAM cannot enforce, so the apply role's policy cannot either:

* Create-time tagging. A create sends its tags with it; AWS then authorizes
  invoicing:TagResource for them, against a preference that has no tags yet. IAM sees the
  same request context when someone tags an existing preference that has no mode tag (a
  preference made by hand, or by a version of the tool that did not write the tag: a legacy
  preference). So the apply role may give any preference without a mode tag the tag
  `coupa-gitops:mode=test`, and write it afterwards, even if it is ACTIVE. Give legacy
  preferences their mode tag with the go-live role before the apply role ever runs against
  their account (docs/github-setup.md, "What IAM cannot enforce").
* That a create carries tags at all. The service authorization reference lists only
  aws:ResourceTag for CreateProcurementPortalPreference, not aws:RequestTag; the create
  statement's condition is therefore `...IfExists`: enforced when AWS puts request tags in
  the context, harmless when it does not. An untagged create is inert for the apply role
  (every write needs the test tag) and starts in PENDING_VERIFICATION, which is not live.
* Whether a preference is live. The feature statuses are not condition keys: the mode tag is
  the only signal IAM sees, which is why only the go-live role may set it to anything but
  `test` or remove it.
* aws-portal:ModifyBilling and ViewBilling take no resource or condition: the routine role
  holds them for the whole account, as every billing writer must.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from controller.config.model import Integration, Role
from controller.errors import UserError
from controller.providers.aws.translate import MODE_TAG
from controller.secrets import refs_of

# IAM JSON: a policy document and its statements, and a statement's Condition block.
Policy = dict[str, object]
Statement = dict[str, object]
Condition = dict[str, dict[str, str | list[str]]]

VERSION = "2012-10-17"
OIDC_HOST = "token.actions.githubusercontent.com"
OIDC_AUDIENCE = "sts.amazonaws.com"
TEST = "test"
ANY = "*"


class Kind(StrEnum):
    """How an operation is gated: who may call it, on which preferences."""

    READ = "read"  # every role
    CREATE = "create"  # apply (tagged test) and go-live
    WRITE = "write"  # apply on test-tagged preferences, go-live on any
    GO_LIVE = "go-live"  # go-live only


class Scope(StrEnum):
    """What an action's Resource can name."""

    PREFERENCE = "preference"  # an existing procurement-portal-preference ARN
    ACCOUNT = "account"  # no resource-level permission: "*"


@dataclass(frozen=True)
class Operation:
    """One API call the tool makes, and the IAM actions AWS authorizes for it."""

    service: str
    name: str
    kind: Kind
    scope: Scope
    extra: tuple[str, ...] = ()  # further actions the call needs (reference, section 2)

    @property
    def action(self) -> str:
        return f"{self.service}:{self.name}"


_P, _A = Scope.PREFERENCE, Scope.ACCOUNT
_VIEW, _MODIFY = ("aws-portal:ViewBilling",), ("aws-portal:ModifyBilling",)

# Every call coupa-gitops makes (reference/invoicing-iam-and-errors.md, section 2).
OPERATIONS = (
    Operation("invoicing", "ListProcurementPortalPreferences", Kind.READ, _A, _VIEW),
    Operation("invoicing", "GetProcurementPortalPreference", Kind.READ, _P, _VIEW),
    Operation("invoicing", "ListTagsForResource", Kind.READ, _P, _VIEW),
    Operation("invoicing", "ListProcurementPortals", Kind.READ, _A),
    Operation("invoicing", "ListProcurementPortalSuppliers", Kind.READ, _A),
    Operation("sts", "GetCallerIdentity", Kind.READ, _A),
    Operation("organizations", "DescribeOrganization", Kind.READ, _A),
    # Create's resource does not exist yet and the reference names none for it: "*".
    Operation(
        "invoicing",
        "CreateProcurementPortalPreference",
        Kind.CREATE,
        _A,
        ("invoicing:TagResource", *_MODIFY),
    ),
    Operation("invoicing", "PutProcurementPortalPreference", Kind.WRITE, _P, _MODIFY),
    Operation("invoicing", "DeleteProcurementPortalPreference", Kind.WRITE, _P, _MODIFY),
    Operation("invoicing", "SendProcurementPortalValidation", Kind.WRITE, _P),
    Operation("invoicing", "VerifyProcurementPortalValidation", Kind.WRITE, _P),
    Operation("invoicing", "TagResource", Kind.WRITE, _P, _MODIFY),
    Operation("invoicing", "UntagResource", Kind.WRITE, _P, _MODIFY),
    Operation("invoicing", "UpdateProcurementPortalPreferenceStatus", Kind.GO_LIVE, _P, _MODIFY),
)
# The secret reads, per SecretRef.source, and the service that decrypts for them.
SECRET_READS = {"ssm": "ssm:GetParameter", "secretsManager": "secretsmanager:GetSecretValue"}
VIA_SERVICE = {"ssm": "ssm", "secretsManager": "secretsmanager"}

# Which kinds each role may call (and whether writes need the test tag: see _apply_writes).
ALLOWED = {
    Role.PLAN: frozenset({Kind.READ}),
    Role.APPLY: frozenset({Kind.READ, Kind.CREATE, Kind.WRITE}),
    Role.GO_LIVE: frozenset(Kind),
}
# GitHub OIDC `sub` claims each role trusts (OWNER/REPO substituted).
SUBJECTS = {
    Role.PLAN: ("repo:{repo}:pull_request", "repo:{repo}:ref:refs/heads/main"),
    Role.APPLY: ("repo:{repo}:ref:refs/heads/main",),
    Role.GO_LIVE: ("repo:{repo}:environment:go-live",),
}

_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")  # GitHub's user rule
_REPO = re.compile(r"[A-Za-z0-9._-]{1,100}")
_ACCOUNT = re.compile(r"\d{12}")


def document(
    role: Role,
    items: Iterable[Integration] = (),
    *,
    account: str | None = None,
    trust: str | None = None,
    trust_account: str | None = None,
) -> Policy:
    """What `coupa-gitops iam-policy` prints: the permission policy, or one trust policy."""
    if trust and trust_account:
        raise UserError("--trust and --trust-account print different policies: pass one")
    if trust:
        if not account:
            raise UserError("--trust needs --account: the account of GitHub's OIDC provider")
        return trust_policy(role, trust, account)
    if trust_account:
        return cross_account_trust_policy(role, trust_account)
    return permission_policy(role, items, account)


def role_of(name: str) -> Role:
    """The Role named `name` (plan, apply, go-live), or a UserError."""
    try:
        return Role(name)
    except ValueError:
        raise UserError(f"no role {name!r}: choose plan, apply or go-live") from None


def check_repository(owner_repo: str) -> str:
    """`owner_repo` when it is a valid GitHub OWNER/REPO, else a UserError saying why."""
    owner, _, repo = owner_repo.partition("/")
    if not (_OWNER.fullmatch(owner) and _REPO.fullmatch(repo) and repo not in (".", "..")):
        raise UserError(
            f"{owner_repo!r} is not a GitHub repository OWNER/REPO: the owner is 1-39 letters, "
            "digits or single inner hyphens; the name 1-100 letters, digits, '.', '_' or '-'"
        )
    return owner_repo


def check_account(account: str) -> str:
    """`account` when it is a 12-digit AWS account id, else a UserError."""
    if not _ACCOUNT.fullmatch(account):
        raise UserError(f"{account!r} is not an AWS account id (12 digits)")
    return account


def preference_arn(account: str) -> str:
    return f"arn:aws:invoicing::{account}:procurement-portal-preference/*"


def _statement(
    sid: str,
    effect: str,
    actions: Iterable[str],
    resources: str | Iterable[str],
    condition: Condition | None = None,
) -> Statement:
    doc: Statement = {
        "Sid": sid,
        "Effect": effect,
        "Action": sorted(set(actions)),
        "Resource": resources if isinstance(resources, str) else sorted(set(resources)),
    }
    if condition:
        doc["Condition"] = condition
    return doc


def _actions(kind: Kind, scope: Scope) -> list[str]:
    return [o.action for o in OPERATIONS if o.kind is kind and o.scope is scope]


def _extras(kinds: Iterable[Kind]) -> list[str]:
    """The aws-portal actions the allowed calls need (the invoicing extras are listed anyway)."""
    return [a for o in OPERATIONS if o.kind in kinds for a in o.extra if a.startswith("aws-portal")]


def _reads(arn: str) -> list[Statement]:
    return [
        _statement("ReadPreferences", "Allow", _actions(Kind.READ, Scope.PREFERENCE), arn),
        _statement("ListAndPreflight", "Allow", _actions(Kind.READ, Scope.ACCOUNT), ANY),
        _statement("ReadBilling", "Allow", _extras({Kind.READ}), ANY),
    ]


def _mode_is_test(context: str) -> Condition:
    return {"StringEquals": {f"{context}/{MODE_TAG}": TEST}}


def _mode_is_other(context: str) -> Condition:
    """The mode tag is present and not `test` (absent keys match StringNotEquals: hence Null)."""
    key = f"{context}/{MODE_TAG}"
    return {"Null": {key: "false"}, "StringNotEquals": {key: TEST}}


def _apply_writes(arn: str) -> list[Statement]:
    writes = _actions(Kind.WRITE, Scope.PREFERENCE)
    return [
        _statement("WriteTestPreferences", "Allow", writes, arn, _mode_is_test("aws:ResourceTag")),
        # IfExists: the reference lists no aws:RequestTag for Create (see the module docstring).
        _statement(
            "CreateTestPreferences",
            "Allow",
            _actions(Kind.CREATE, Scope.ACCOUNT),
            ANY,
            {"StringEqualsIfExists": {f"aws:RequestTag/{MODE_TAG}": TEST}},
        ),
        # The tags a create sends: the preference has no mode tag yet. IAM cannot tell this
        # from tagging a legacy preference without a mode tag (module docstring). Resource *:
        # at create there is no preference ARN yet to match.
        _statement(
            "TagAtCreate",
            "Allow",
            ["invoicing:TagResource"],
            ANY,
            {
                "StringEquals": {f"aws:RequestTag/{MODE_TAG}": TEST},
                "Null": {f"aws:ResourceTag/{MODE_TAG}": "true"},
            },
        ),
        _statement("BillingWrites", "Allow", _extras({Kind.CREATE, Kind.WRITE}), ANY),
        _statement(
            "DenyStatusChanges", "Deny", ["invoicing:UpdateProcurementPortalPreferenceStatus"], ANY
        ),
        # Not StringNotEqualsIfExists: that is true when the key is absent, so it would deny
        # every TagResource without the mode tag (the commit tag after an update).
        _statement(
            "DenyModeOtherThanTest",
            "Deny",
            ["invoicing:TagResource"],
            ANY,
            _mode_is_other("aws:RequestTag"),
        ),
        _statement(
            "DenyRemovingTheMode",
            "Deny",
            ["invoicing:UntagResource"],
            ANY,
            {"ForAnyValue:StringEquals": {"aws:TagKeys": [MODE_TAG]}},
        ),
        # Also wins over any broader policy someone attaches to the role (a managed one).
        _statement(
            "DenyWritesOnLivePreferences", "Deny", writes, ANY, _mode_is_other("aws:ResourceTag")
        ),
    ]


def _go_live_writes(arn: str) -> list[Statement]:
    return [
        _statement(
            "WritePreferences",
            "Allow",
            _actions(Kind.WRITE, Scope.PREFERENCE) + _actions(Kind.GO_LIVE, Scope.PREFERENCE),
            arn,
        ),
        _statement("CreatePreferences", "Allow", _actions(Kind.CREATE, Scope.ACCOUNT), ANY),
        _statement("BillingWrites", "Allow", _extras(set(Kind) - {Kind.READ}), ANY),
    ]


def _secret_arn(source: str, name: str, region: str, account: str) -> str:
    if name.startswith("arn:"):
        return name
    if source == "ssm":
        return f"arn:aws:ssm:{region}:{account}:parameter/{name.lstrip('/')}"
    return f"arn:aws:secretsmanager:{region}:{account}:secret:{name}-??????"  # AWS's suffix


def _secrets(items: Iterable[Integration]) -> list[Statement]:
    """Reads of exactly the {ssm}/{secretsManager} references, and KMS through those services."""
    arns: dict[str, set[str]] = {}
    keys: set[str] = set()
    via: set[str] = set()
    for item in items:
        for ref in refs_of(item):
            if ref.source not in SECRET_READS:
                continue  # {env: NAME}: the workflow's environment, not IAM
            arns.setdefault(ref.source, set()).add(
                _secret_arn(ref.source, ref.name, item.region, item.account)
            )
            keys.add(f"arn:aws:kms:{item.region}:{item.account}:key/*")
            via.add(f"{VIA_SERVICE[ref.source]}.{item.region}.amazonaws.com")
    out = [
        _statement(f"Read{source[0].upper()}{source[1:]}Secrets", "Allow", [action], arns[source])
        for source, action in SECRET_READS.items()
        if source in arns
    ]
    if keys:
        condition: Condition = {"StringEquals": {"kms:ViaService": sorted(via)}}
        out.append(_statement("DecryptSecrets", "Allow", ["kms:Decrypt"], keys, condition))
    return out


def _assume(role: Role, items: Iterable[Integration]) -> list[Statement]:
    """sts:AssumeRole on the spec.roleArn of each integration in another account."""
    # role_arn_for is a non-empty ARN exactly when spec.roleArn is set
    arns = {arn for i in items if (arn := i.role_arn_for(role))}
    return [_statement("AssumeTargetRoles", "Allow", ["sts:AssumeRole"], arns)] if arns else []


def permission_policy(
    role: Role, items: Iterable[Integration] = (), account: str | None = None
) -> Policy:
    """The customer-managed policy of `role`, for the integrations `items`."""
    items = tuple(items)
    arn = preference_arn(check_account(account) if account else ANY)
    statements = _reads(arn)
    if role is Role.APPLY:
        statements += _apply_writes(arn)
    elif role is Role.GO_LIVE:
        statements += _go_live_writes(arn)
    if role is not Role.PLAN:  # plan runs pull requests' code: it reads no secret
        statements += _secrets(items)
    statements += _assume(role, items)
    return {"Version": VERSION, "Statement": statements}


def trust_policy(role: Role, owner_repo: str, account: str) -> Policy:
    """The role's trust in GitHub's OIDC provider of `account`, for `owner_repo`'s jobs."""
    repo = check_repository(owner_repo)
    provider = f"arn:aws:iam::{check_account(account)}:oidc-provider/{OIDC_HOST}"
    subjects = [s.format(repo=repo) for s in SUBJECTS[role]]
    condition = {"StringEquals": {f"{OIDC_HOST}:aud": OIDC_AUDIENCE, f"{OIDC_HOST}:sub": subjects}}
    statement = {
        "Sid": "GitHubActions",
        "Effect": "Allow",
        "Principal": {"Federated": provider},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": condition,
    }
    return {"Version": VERSION, "Statement": [statement]}


def cross_account_trust_policy(role: Role, hub_account: str) -> Policy:
    """A target account's role of `role`'s purpose, trusting only the hub's role of it."""
    principal = f"arn:aws:iam::{check_account(hub_account)}:role/{role.role_name}"
    statement = {
        "Sid": "HubRoleOfTheSamePurpose",
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    }
    return {"Version": VERSION, "Statement": [statement]}


def role_for(service: str, operation: str) -> Role:
    """The least role whose policy allows `service:operation` (go-live for unknown calls)."""
    if f"{service}:{operation}" in SECRET_READS.values() or service == "kms":
        return Role.APPLY
    for op in OPERATIONS:
        if (op.service, op.name) == (service, operation):
            return min((r for r in Role if op.kind in ALLOWED[r]), key=list(Role).index)
    return Role.GO_LIVE


def access_hint(service: str, operation: str) -> str:
    """Which generated policy grants `service:operation`, for an AccessDenied message."""
    if (service, operation) == ("sts", "AssumeRole"):
        return (
            "the role in spec.roleArn must exist and trust this account's role of the same "
            "purpose (`coupa-gitops iam-policy plan|apply|go-live --trust-account HUB_ACCOUNT`), "
            "and this role's policy must allow sts:AssumeRole on it (`coupa-gitops iam-policy "
            "plan|apply|go-live` with the config that names it)"
        )
    role = role_for(service, operation)
    if role is Role.PLAN:
        return f"attach `coupa-gitops iam-policy {role}` (or apply/go-live, which include it)"
    if role is Role.APPLY:
        return (
            "the apply role (`coupa-gitops iam-policy apply`) allows it only on preferences "
            f"tagged {MODE_TAG}={TEST}; on a live or suspended preference it is a go-live "
            "change, for the go-live role (`coupa-gitops iam-policy go-live`)"
        )
    return (
        "only the go-live role may (`coupa-gitops iam-policy go-live`), in the approved go-live job"
    )
