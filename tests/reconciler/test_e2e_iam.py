"""IAM is the first lock: the roles' policies, as `iam-policy` prints them, enforced by the sandbox.

Each test runs the CLI as the workflows do, with credentials whose access key the sandbox
holds to the apply role's or the go-live role's policy. The apply role must not be able to go
live even with --allow-go-live, nor change a live preference, and must do all routine work.
"""

from __future__ import annotations

import json

import boto3
import pytest

from controller import config
from controller.config.model import Role
from controller.providers.aws import iampolicy

from .helpers import ACCOUNT

APPLY_KEY, GO_LIVE_KEY = "AKIAAPPLYROLE0000001", "AKIAGOLIVEROLE000001"
STATUSES = ("EinvoiceDeliveryPreferenceStatus", "PurchaseOrderRetrievalPreferenceStatus")


@pytest.fixture
def roles(world, monkeypatch):
    """Install the apply and go-live policies for the config; `use(role)` switches keys."""

    def use(role: Role) -> None:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", APPLY_KEY if role is Role.APPLY else GO_LIVE_KEY)

    world.write()
    items = config.load([str(world.config)]).integrations
    for key, role in ((APPLY_KEY, Role.APPLY), (GO_LIVE_KEY, Role.GO_LIVE)):
        world.control.set_policy(key, iampolicy.permission_policy(role, items, ACCOUNT))
    yield use
    for key in (APPLY_KEY, GO_LIVE_KEY):
        world.control.set_policy(key, None)


def _statuses(world) -> tuple[str, str]:
    doc = world.live("acme-emea")
    return tuple(doc.get(key) for key in STATUSES)


def _ready_in_test(world, use) -> str:
    use(Role.APPLY)
    created = world.apply("--auto-approve")
    assert created.code == 0, created.err
    return world.make_ready()


def _live(world, use) -> str:
    arn = _ready_in_test(world, use)
    world.write(mode="live")
    use(Role.GO_LIVE)
    went = world.apply("--auto-approve", "--allow-go-live")
    assert went.code == 0, went.err
    return arn


def test_the_apply_role_does_all_routine_work(world, roles):
    arn = _ready_in_test(world, roles)  # create, tag, send and verify the endpoint
    world.write(email="ap@acme.example", cost_center="9999")
    updated = world.apply("--auto-approve")
    assert updated.code == 0, updated.err
    assert world.get(arn)["Contacts"][0]["Email"] == "ap@acme.example"
    assert world.tags(arn)["cost-center"] == "9999"
    assert world.tags(arn)["coupa-gitops:mode"] == "test"


def test_the_apply_role_cannot_go_live_even_with_allow_go_live(world, roles, monkeypatch):
    _ready_in_test(world, roles)
    world.write(mode="live")
    # The CLI picks the go-live purpose, but the credentials are still the apply role's.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", APPLY_KEY)
    result = world.apply("--auto-approve", "--allow-go-live")
    assert result.code == 1
    assert "access denied calling invoicing:UpdateProcurementPortalPreferenceStatus" in result.err
    assert _statuses(world) == ("TEST_INITIALIZED", "TEST_INITIALIZED")
    assert world.tags(world.arn_of("acme-emea"))["coupa-gitops:mode"] == "test"


def test_the_apply_role_cannot_change_a_live_preference_even_with_allow_go_live(
    world, roles, monkeypatch
):
    arn = _live(world, roles)
    world.write(mode="live", email="ap@acme.example")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", APPLY_KEY)
    result = world.apply("--auto-approve", "--allow-go-live")
    assert result.code == 1
    assert "access denied calling invoicing:PutProcurementPortalPreference" in result.err
    assert world.get(arn)["Contacts"][0]["Email"] == "procurement-ops@acme.example"


def test_the_apply_role_cannot_retag_a_live_preference_as_test(world, roles):
    arn = _live(world, roles)
    # The apply role's key, straight at the API (explicit: boto3's default session caches keys).
    client = boto3.client("invoicing", aws_access_key_id=APPLY_KEY, aws_secret_access_key="x")
    with pytest.raises(client.exceptions.AccessDeniedException):
        client.tag_resource(
            ResourceArn=arn, ResourceTags=[{"Key": "coupa-gitops:mode", "Value": "test"}]
        )
    assert world.tags(arn)["coupa-gitops:mode"] == "live"


def test_the_go_live_role_goes_live_and_records_the_mode(world, roles):
    arn = _live(world, roles)
    assert _statuses(world) == ("ACTIVE", "ACTIVE")
    assert world.tags(arn)["coupa-gitops:mode"] == "live"
    roles(Role.APPLY)
    assert world.plan("--detailed-exitcode").code == 0


def test_the_go_live_role_changes_a_live_preference_in_the_approved_run(world, roles):
    arn = _live(world, roles)
    world.write(mode="live", email="ap@acme.example")
    roles(Role.GO_LIVE)
    result = world.apply("--auto-approve", "--allow-go-live")
    assert result.code == 0, result.err
    assert world.get(arn)["Contacts"][0]["Email"] == "ap@acme.example"


def test_the_policies_the_sandbox_holds_are_the_ones_iam_policy_prints(world, roles, capsys):
    printed = world.cli("iam-policy", "apply", str(world.config), "--account", ACCOUNT)
    assert printed.code == 0, printed.err
    assert json.loads(printed.out) == world.control.policies()[APPLY_KEY]
