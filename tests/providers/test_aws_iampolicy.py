"""The generated IAM policies: real actions and keys, the mode-tag gate, trust, the CLI."""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from controller import cli, config
from controller.errors import UserError
from controller.providers.aws import iampolicy
from controller.providers.aws.iampolicy import Role
from controller.providers.aws.translate import MODE_TAG

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "gitops" / "fixtures"  # acme-emea (test, env secrets), globex-us
ACCOUNT = "111122223333"
PREF = f"arn:aws:invoicing::{ACCOUNT}:procurement-portal-preference/abc"

# The invoicing actions and their condition keys, copied from the service authorization
# reference (/work/shared/reference/invoicing-iam-and-errors.md, section 2), because
# policy_sentry's bundled database (0.15) lacks Send/VerifyProcurementPortalValidation,
# ListProcurementPortals and ListProcurementPortalSuppliers, and parliament's lacks all of them.
_TAG = "aws:ResourceTag/${TagKey}"
REFERENCE = {
    "invoicing:CreateProcurementPortalPreference": {_TAG},
    "invoicing:GetProcurementPortalPreference": set(),
    "invoicing:ListProcurementPortalPreferences": set(),
    "invoicing:PutProcurementPortalPreference": {_TAG},
    "invoicing:DeleteProcurementPortalPreference": {_TAG},
    "invoicing:UpdateProcurementPortalPreferenceStatus": {_TAG},
    "invoicing:SendProcurementPortalValidation": {_TAG},
    "invoicing:VerifyProcurementPortalValidation": {_TAG},
    "invoicing:TagResource": {"aws:RequestTag/${TagKey}", _TAG, "aws:TagKeys"},
    "invoicing:UntagResource": {_TAG, "aws:TagKeys"},
    "invoicing:ListTagsForResource": {_TAG},
    "invoicing:ListProcurementPortals": set(),
    "invoicing:ListProcurementPortalSuppliers": set(),
}
# A key the reference does not list for the action, used on purpose: the `IfExists` on
# Create is enforced if AWS sends request tags and a no-op if not (controller/iampolicy.py).
UNLISTED_ON_PURPOSE = {
    ("invoicing:CreateProcurementPortalPreference", f"aws:RequestTag/{MODE_TAG}")
}


def _items(*names: str):
    return config.load([str(FIXTURES / f"{n}.yaml") for n in names]).require_valid()


def _with_aws_secrets(tmp_path: Path) -> Path:
    """acme-emea with its secrets in SSM and Secrets Manager instead of the environment."""
    text = (FIXTURES / "acme-emea.yaml").read_text(encoding="utf-8")
    text = text.replace("{env: ACME_COUPA_SECRET}", "{secretsManager: coupa/acme-emea/secret}")
    text = text.replace("{env: ACME_COUPA_TEST_SECRET}", "{ssm: /coupa/acme-emea/test-secret}")
    path = tmp_path / "acme-emea.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _policies(tmp_path: Path):
    items = config.load([str(_with_aws_secrets(tmp_path)), str(FIXTURES / "globex-us.yaml")])
    for role in Role:
        yield role, iampolicy.permission_policy(role, items.require_valid(), ACCOUNT)


def _statements(policy: dict, effect: str | None = None):
    return [s for s in policy["Statement"] if effect in (None, s["Effect"])]


def _keys(statement: dict):
    for operator, pairs in statement.get("Condition", {}).items():
        for key in pairs:
            yield operator, key


def _matches(pattern: str, key: str) -> bool:
    return re.fullmatch(re.escape(pattern).replace(r"\$\{TagKey\}", ".+"), key) is not None


def _sentry(action: str) -> set[str] | None:
    """The condition keys policy_sentry knows for `action`, None when it does not know it."""
    pytest.importorskip("policy_sentry")
    from policy_sentry.querying.actions import get_action_data

    service, name = action.split(":")
    found = get_action_data(service, name) or {}
    rows = found.get(service) or []
    return {k for row in rows for k in row["condition_keys"]} if rows else None


def _known_keys(action: str) -> set[str]:
    keys = _sentry(action)
    if keys is None:
        assert action in REFERENCE, f"{action} is neither in policy_sentry nor the reference"
        return REFERENCE[action]
    return keys | REFERENCE.get(action, set())


def test_every_action_is_a_real_iam_action(tmp_path: Path) -> None:
    for _, policy in _policies(tmp_path):
        for statement in policy["Statement"]:
            for action in statement["Action"]:
                assert _sentry(action) is not None or action in REFERENCE, action


def test_every_condition_key_is_a_real_key_of_every_action_it_guards(tmp_path: Path) -> None:
    for role, policy in _policies(tmp_path):
        for statement in policy["Statement"]:
            for _, key in _keys(statement):
                for action in statement["Action"]:
                    if (action, key) in UNLISTED_ON_PURPOSE:
                        continue
                    known = _known_keys(action)
                    assert any(_matches(k, key) for k in known), (role, statement["Sid"], key)


def test_policy_sentry_agrees_with_the_reference_where_it_knows_the_action() -> None:
    for action, keys in REFERENCE.items():
        known = _sentry(action)
        if known is not None:
            assert keys <= known, action


def test_the_apply_policy_never_allows_a_status_change_and_denies_it_explicitly(
    tmp_path: Path,
) -> None:
    policy = dict(_policies(tmp_path))[Role.APPLY]
    status = "invoicing:UpdateProcurementPortalPreferenceStatus"
    for statement in _statements(policy, "Allow"):
        assert not any(fnmatch.fnmatch(status, a) for a in statement["Action"]), statement["Sid"]
    assert any(status in s["Action"] for s in _statements(policy, "Deny"))


def test_every_invoicing_write_the_apply_policy_allows_is_conditioned_on_the_mode_tag(
    tmp_path: Path,
) -> None:
    policy = dict(_policies(tmp_path))[Role.APPLY]
    reads = {o.action for o in iampolicy.OPERATIONS if o.kind is iampolicy.Kind.READ}
    for statement in _statements(policy, "Allow"):
        writes = [a for a in statement["Action"] if a.startswith("invoicing:") and a not in reads]
        if writes:
            keys = {key for _, key in _keys(statement)}
            assert keys & {f"aws:ResourceTag/{MODE_TAG}", f"aws:RequestTag/{MODE_TAG}"}, writes


# --- what the policies allow, by a small evaluator of the IAM operators they use -----------

_OPERATORS = {
    "StringEquals": lambda have, want: have is not None and have in want,
    "StringEqualsIfExists": lambda have, want: have is None or have in want,
    "StringNotEquals": lambda have, want: have is None or have not in want,
    "Null": lambda have, want: (have is None) == (want == ["true"]),
}


def _condition_holds(condition: dict, context: dict) -> bool:
    for operator, pairs in condition.items():
        for key, want in pairs.items():
            want = want if isinstance(want, list) else [want]
            if operator == "ForAnyValue:StringEquals":
                if not set(context.get(key) or ()) & set(want):
                    return False
            elif not _OPERATORS[operator](context.get(key), want):
                return False
    return True


def _allowed(policy: dict, action: str, resource: str, context: dict) -> bool:
    """IAM's evaluation for one policy: an explicit Deny wins, then any Allow."""

    def applies(s: dict) -> bool:
        resources = [s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"]
        return (
            any(fnmatch.fnmatchcase(action, a) for a in s["Action"])
            and any(fnmatch.fnmatchcase(resource, r) for r in resources)
            and _condition_holds(s.get("Condition", {}), context)
        )

    if any(applies(s) for s in _statements(policy, "Deny")):
        return False
    return any(applies(s) for s in _statements(policy, "Allow"))


def _on(mode: str | None) -> dict:
    return {f"aws:ResourceTag/{MODE_TAG}": mode} if mode else {}


def _tags(**tags: str) -> dict:
    context = {f"aws:RequestTag/{k.replace('_', ':')}": v for k, v in tags.items()}
    return context | {"aws:TagKeys": [k.replace("_", ":") for k in tags]}


MODE = "coupa-gitops_mode"
SCENARIOS = [  # (what, action, context, apply may, go-live may)
    ("Put a test preference", "PutProcurementPortalPreference", _on("test"), True, True),
    ("Put a live preference", "PutProcurementPortalPreference", _on("live"), False, True),
    ("Put an untagged preference", "PutProcurementPortalPreference", _on(None), False, True),
    ("Delete a suspended one", "DeleteProcurementPortalPreference", _on("suspended"), False, True),
    ("Verify a test preference", "VerifyProcurementPortalValidation", _on("test"), True, True),
    ("Send on a live one", "SendProcurementPortalValidation", _on("live"), False, True),
    (
        "the commit tag on test",
        "TagResource",
        _on("test") | _tags(coupa_gitops_commit="c"),
        True,
        True,
    ),
    (
        "the commit tag on live",
        "TagResource",
        _on("live") | _tags(coupa_gitops_commit="c"),
        False,
        True,
    ),
    ("tags at create", "TagResource", _tags(**{MODE: "test"}, coupa_gitops_name="n"), True, True),
    ("create-time tag live", "TagResource", _tags(**{MODE: "live"}), False, True),
    ("test -> live by tag", "TagResource", _on("test") | _tags(**{MODE: "live"}), False, True),
    ("live -> test by tag", "TagResource", _on("live") | _tags(**{MODE: "test"}), False, True),
    (
        "remove the mode tag",
        "UntagResource",
        _on("test") | {"aws:TagKeys": [MODE_TAG]},
        False,
        True,
    ),
    (
        "remove a user tag",
        "UntagResource",
        _on("test") | {"aws:TagKeys": ["cost-center"]},
        True,
        True,
    ),
    ("go live", "UpdateProcurementPortalPreferenceStatus", _on("test"), False, True),
    ("create in test", "CreateProcurementPortalPreference", _tags(**{MODE: "test"}), True, True),
    ("create live", "CreateProcurementPortalPreference", _tags(**{MODE: "live"}), False, True),
    ("read a live one", "GetProcurementPortalPreference", _on("live"), True, True),
]


@pytest.mark.parametrize(
    ("what", "operation", "context", "apply", "go_live"), SCENARIOS, ids=[s[0] for s in SCENARIOS]
)
def test_the_apply_role_writes_only_test_mode_preferences_and_go_live_any(
    what: str, operation: str, context: dict, apply: bool, go_live: bool
) -> None:
    action = f"invoicing:{operation}"
    for role, expected in ((Role.APPLY, apply), (Role.GO_LIVE, go_live)):
        policy = iampolicy.permission_policy(role, (), ACCOUNT)
        assert _allowed(policy, action, PREF, context) is expected, (role, what)


def test_the_plan_role_may_read_and_never_write() -> None:
    policy = iampolicy.permission_policy(Role.PLAN, (), ACCOUNT)
    for op in iampolicy.OPERATIONS:
        may = _allowed(policy, op.action, PREF, _on("test"))
        assert may is (op.kind is iampolicy.Kind.READ), op.action
    assert _allowed(policy, "aws-portal:ViewBilling", "*", {})
    assert not _allowed(policy, "aws-portal:ModifyBilling", "*", {})


def test_every_call_needs_its_extra_actions_and_the_roles_allowing_it_grant_them() -> None:
    for op in iampolicy.OPERATIONS:
        for role in Role:
            if op.kind not in iampolicy.ALLOWED[role]:
                continue
            policy = iampolicy.permission_policy(role, (), ACCOUNT)
            for extra in op.extra:
                context = _on(None) | _tags(**{MODE: "test"})
                assert _allowed(policy, extra, PREF, context), (role, op.name, extra)


# --- secrets and other accounts ------------------------------------------------------------


def test_apply_and_go_live_read_exactly_the_referenced_secrets_and_plan_none(tmp_path) -> None:
    policies = dict(_policies(tmp_path))
    for role in (Role.APPLY, Role.GO_LIVE):
        by_action = {a: s for s in policies[role]["Statement"] for a in s["Action"]}
        assert by_action["ssm:GetParameter"]["Resource"] == [
            f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/coupa/acme-emea/test-secret"
        ]
        assert by_action["secretsmanager:GetSecretValue"]["Resource"] == [
            f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:coupa/acme-emea/secret-??????"
        ]
        assert by_action["kms:Decrypt"]["Condition"] == {
            "StringEquals": {
                "kms:ViaService": [
                    "secretsmanager.us-east-1.amazonaws.com",
                    "ssm.us-east-1.amazonaws.com",
                ]
            }
        }
    plan_actions = {a for s in policies[Role.PLAN]["Statement"] for a in s["Action"]}
    assert not plan_actions & {"ssm:GetParameter", "secretsmanager:GetSecretValue", "kms:Decrypt"}


def test_no_secret_statements_when_every_secret_comes_from_the_environment() -> None:
    policy = iampolicy.permission_policy(Role.APPLY, _items("acme-emea"), ACCOUNT)
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert not actions & {"ssm:GetParameter", "secretsmanager:GetSecretValue", "kms:Decrypt"}


def test_each_role_may_assume_the_target_roles_with_its_purpose_in_place_of_the_placeholder(
    tmp_path: Path,
) -> None:
    # The schema may not accept `{role}` yet (spec.roleArn's placeholder lands separately).
    (globex,) = _items("globex-us")
    items = [replace(globex, role_arn="arn:aws:iam::444455556666:role/coupa-gitops-{role}")]
    for role in Role:
        policy = iampolicy.permission_policy(role, items, ACCOUNT)
        (assume,) = [s for s in policy["Statement"] if s["Action"] == ["sts:AssumeRole"]]
        assert assume["Resource"] == [f"arn:aws:iam::444455556666:role/coupa-gitops-{role}"]


# --- trust ---------------------------------------------------------------------------------

SUBS = {
    Role.PLAN: [
        "repo:acme-corp/coupa-config:pull_request",
        "repo:acme-corp/coupa-config:ref:refs/heads/main",
    ],
    Role.APPLY: ["repo:acme-corp/coupa-config:ref:refs/heads/main"],
    Role.GO_LIVE: ["repo:acme-corp/coupa-config:environment:go-live"],
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_trusts_only_its_github_subjects(role: Role) -> None:
    (statement,) = iampolicy.trust_policy(role, "acme-corp/coupa-config", ACCOUNT)["Statement"]
    assert statement["Principal"] == {
        "Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    }
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": SUBS[role],
        }
    }


@pytest.mark.parametrize("role", list(Role))
def test_a_target_account_role_trusts_only_the_hub_role_of_the_same_purpose(role: Role) -> None:
    (statement,) = iampolicy.cross_account_trust_policy(role, "999988887777")["Statement"]
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::999988887777:role/coupa-gitops-{role}"}
    assert statement["Action"] == "sts:AssumeRole"


@pytest.mark.parametrize(
    "bad",
    [
        "acme",
        "acme/",
        "/repo",
        "-acme/repo",
        "acme-/repo",
        "ac--me/repo",
        "acme/re po",
        "acme/repo/x",
        "acme/..",
        "a" * 40 + "/repo",
        "acme/" + "r" * 101,
        "acme/repo:ref",
    ],
)
def test_a_bad_owner_repo_is_rejected_with_a_clear_error(bad: str) -> None:
    with pytest.raises(UserError, match="is not a GitHub repository OWNER/REPO"):
        iampolicy.trust_policy(Role.APPLY, bad, ACCOUNT)


@pytest.mark.parametrize("good", ["acme-corp/coupa-config", "A1/x.y_z-1", "a/.github"])
def test_a_good_owner_repo_is_accepted(good: str) -> None:
    assert iampolicy.check_repository(good) == good


def test_a_bad_account_is_rejected() -> None:
    with pytest.raises(UserError, match="is not an AWS account id"):
        iampolicy.cross_account_trust_policy(Role.PLAN, "12345")


# --- the CLI and the linter ----------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_the_cli_prints_the_policy_as_sorted_indented_json(role: Role, capsys) -> None:
    assert cli.main(["iam-policy", str(role), str(FIXTURES), "--account", ACCOUNT]) == 0
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert out == json.dumps(doc, indent=2, sort_keys=True) + "\n"
    assert doc == iampolicy.permission_policy(role, _items("acme-emea", "globex-us"), ACCOUNT)


def test_the_cli_prints_a_trust_policy_without_reading_config(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no config/ here
    argv = ["iam-policy", "go-live", "--trust", "acme-corp/coupa-config", "--account", ACCOUNT]
    assert cli.main(argv) == 0
    assert (
        json.loads(capsys.readouterr().out)["Statement"][0]["Condition"]["StringEquals"][
            "token.actions.githubusercontent.com:sub"
        ]
        == SUBS[Role.GO_LIVE]
    )


def test_the_cli_exits_1_on_a_bad_repository(capsys) -> None:
    assert cli.main(["iam-policy", "plan", "--trust", "nope", "--account", ACCOUNT]) == 1
    assert "is not a GitHub repository OWNER/REPO" in capsys.readouterr().err


def test_parliament_finds_nothing_but_gaps_in_its_own_database(tmp_path: Path) -> None:
    parliament = pytest.importorskip("parliament")
    for role, policy in _policies(tmp_path):
        findings = parliament.analyze_policy_string(json.dumps(policy)).findings
        for finding in findings:
            # Its bundled database predates the procurement-portal actions (2025) and their
            # resource type: those are the reference's, checked above.
            if finding.issue == "UNKNOWN_ACTION":
                assert finding.location["string"] in REFERENCE, finding
            elif finding.issue == "RESOURCE_STAR":
                # TagAtCreate: a create-time tag has no preference ARN yet; its conditions
                # (no mode tag on the resource, mode=test requested) are what bound it.
                assert finding.detail == ["invoicing:TagResource"], (role, finding.detail)
            else:
                assert finding.issue == "RESOURCE_MISMATCH", (role, finding.issue, finding.detail)
                assert all(d["action"].startswith("invoicing:") for d in finding.detail), finding
