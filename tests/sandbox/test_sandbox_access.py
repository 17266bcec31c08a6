"""IAM policies enforced per access key, through real boto3 clients over HTTP."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import create_request, error_of, get, make_client, put_request

from controller.sandbox import ControlError, Sandbox

MODE_KEY = "coupa-gitops:mode"
ARN_MEMBER = "ProcurementPortalPreferenceArn"
ACCOUNT = "333344445555"
ADMIN, ROUTINE = "AKIAADMIN0000001", "AKIAROUTINE00001"
BILLING = {"Effect": "Allow", "Action": "aws-portal:*", "Resource": "*"}
READS = {"Effect": "Allow", "Action": ["invoicing:Get*", "invoicing:List*"], "Resource": "*"}
WRITES = [
    "invoicing:PutProcurementPortalPreference",
    "invoicing:UpdateProcurementPortalPreferenceStatus",
    "invoicing:TagResource",
]
# The routine role: reads anywhere, writes only on preferences tagged as test mode.
TEST_ONLY_WRITES = {
    "Version": "2012-10-17",
    "Statement": [
        BILLING,
        READS,
        {
            "Effect": "Allow",
            "Action": WRITES,
            "Resource": "arn:aws:invoicing::*:procurement-portal-preference/*",
            "Condition": {"StringEquals": {f"aws:ResourceTag/{MODE_KEY}": "test"}},
        },
    ],
}
_keys = itertools.count(1)


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """A sandbox of its own, started with a policy given to the constructor."""
    path = tmp_path_factory.mktemp("sandbox-access") / "state.sqlite"
    accounts = {ADMIN: ACCOUNT, ROUTINE: ACCOUNT}
    with Sandbox(path, accounts=accounts, policies={ROUTINE: TEST_ONLY_WRITES}) as sandbox:
        yield sandbox


@pytest.fixture
def admin(sb):
    return make_client(sb, ADMIN)


@pytest.fixture
def routine(sb):
    return make_client(sb, ROUTINE)


def restricted(sb: Sandbox, policy: dict) -> tuple[str, object]:
    """A new key of ACCOUNT with `policy` set at run time, and a client acting as it."""
    key = f"AKIARUNTIME{next(_keys):05d}"
    sb.control.map_account(key, ACCOUNT)
    sb.control.set_policy(key, policy)
    return key, make_client(sb, key)


def create(client, mode: str | None = None) -> str:
    tags = [{"Key": MODE_KEY, "Value": mode}] if mode else []
    return client.create_procurement_portal_preference(**create_request(ResourceTags=tags))[
        ARN_MEMBER
    ]


def denied(call, *args, **kwargs) -> ClientError:
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    assert error_of(info.value)[0] == "AccessDeniedException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    return info.value


def test_put_on_a_test_tagged_preference_is_allowed(admin, routine):
    arn = create(admin, "test")
    routine.put_procurement_portal_preference(
        **put_request(arn, ProcurementPortalSharedSecret="rotated-1")
    )
    assert get(admin, arn)["Version"] == 2


def test_put_on_a_live_tagged_preference_is_a_403_access_denied_naming_the_action(admin, routine):
    arn = create(admin, "live")
    error = denied(routine.put_procurement_portal_preference, **put_request(arn))
    assert error_of(error)[1] == (
        f"User: {ROUTINE} is not authorized to perform: invoicing:PutProcurementPortalPreference "
        f"on resource: {arn} because no identity-based policy allows the "
        "invoicing:PutProcurementPortalPreference action"
    )


def test_a_denied_put_changes_nothing(admin, routine):
    arn = create(admin, "live")
    denied(
        routine.put_procurement_portal_preference,
        **put_request(arn, ProcurementPortalSharedSecret="rotated-1"),
    )
    assert get(admin, arn)["Version"] == 1


def test_update_status_on_a_live_preference_is_denied(admin, routine):
    arn = create(admin, "live")
    error = denied(
        routine.update_procurement_portal_preference_status,
        ProcurementPortalPreferenceArn=arn,
        EinvoiceDeliveryPreferenceStatus="ACTIVE",
    )
    assert "invoicing:UpdateProcurementPortalPreferenceStatus" in error_of(error)[1]


def test_reads_stay_allowed_on_a_live_preference(admin, routine):
    arn = create(admin, "live")
    assert get(routine, arn)[ARN_MEMBER] == arn


def test_a_missing_billing_permission_is_denied_naming_it_on_any_resource(sb, admin):
    arn = create(admin, "test")
    _, client = restricted(
        sb, {"Statement": {"Effect": "Allow", "Action": "invoicing:*", "Resource": "*"}}
    )
    error = denied(get, client, arn)
    assert "perform: aws-portal:ViewBilling on resource: * because" in error_of(error)[1]


CREATE_ONLY_IN_TEST_MODE = {
    "Statement": [
        BILLING,
        {
            "Effect": "Allow",
            "Action": ["invoicing:CreateProcurementPortalPreference", "invoicing:TagResource"],
            "Resource": "*",
            "Condition": {"StringEquals": {f"aws:RequestTag/{MODE_KEY}": "test"}},
        },
    ]
}


def test_create_is_allowed_with_the_request_tag_mode_test(sb):
    _, client = restricted(sb, CREATE_ONLY_IN_TEST_MODE)
    assert create(client, "test").startswith("arn:aws:invoicing::")


@pytest.mark.parametrize("mode", ["live", None])
def test_create_is_denied_with_another_mode_or_no_tags(sb, mode):
    _, client = restricted(sb, CREATE_ONLY_IN_TEST_MODE)
    error = denied(create, client, mode)
    assert "invoicing:CreateProcurementPortalPreference on resource: *" in error_of(error)[1]


def test_tag_resource_setting_mode_live_is_an_explicit_deny(sb, admin):
    arn = create(admin, "test")
    policy = {
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "invoicing:TagResource",
                "Resource": "*",
                "Condition": {"StringNotEqualsIfExists": {f"aws:RequestTag/{MODE_KEY}": "test"}},
            },
        ]
    }
    _, client = restricted(sb, policy)
    client.tag_resource(ResourceArn=arn, ResourceTags=[{"Key": MODE_KEY, "Value": "test"}])
    error = denied(
        client.tag_resource, ResourceArn=arn, ResourceTags=[{"Key": MODE_KEY, "Value": "live"}]
    )
    assert error_of(error)[1].endswith("with an explicit deny in an identity-based policy")
    tags = admin.list_tags_for_resource(ResourceArn=arn)["ResourceTags"]
    assert {"Key": MODE_KEY, "Value": "test"} in tags


def test_a_key_without_a_policy_is_unrestricted(admin):
    arn = create(admin, "live")
    admin.put_procurement_portal_preference(**put_request(arn))
    admin.delete_procurement_portal_preference(ProcurementPortalPreferenceArn=arn)


def test_a_client_token_replay_does_not_bypass_a_deny(sb):
    key, client = restricted(
        sb, {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    )
    request = create_request(ClientToken="replayed-token-1")
    client.create_procurement_portal_preference(**request)
    sb.control.set_policy(key, {"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}})
    denied(client.create_procurement_portal_preference, **request)


def test_a_preference_that_does_not_exist_is_evaluated_without_resource_tags(routine, admin):
    arn = create(admin, "test")
    admin.delete_procurement_portal_preference(ProcurementPortalPreferenceArn=arn)
    denied(routine.put_procurement_portal_preference, **put_request(arn))  # no tag: no allow


def test_a_preference_that_does_not_exist_is_not_found_when_the_policy_allows(sb, admin):
    arn = create(admin, "test")
    admin.delete_procurement_portal_preference(ProcurementPortalPreferenceArn=arn)
    _, client = restricted(sb, {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})
    with pytest.raises(ClientError) as info:
        client.put_procurement_portal_preference(**put_request(arn))
    assert error_of(info.value)[0] == "ResourceNotFoundException"


def test_removing_a_policy_at_run_time_unrestricts_the_key(sb, admin):
    arn = create(admin, "live")
    key, client = restricted(sb, TEST_ONLY_WRITES)
    denied(client.put_procurement_portal_preference, **put_request(arn))
    sb.control.set_policy(key, None)
    client.put_procurement_portal_preference(**put_request(arn))
    assert key not in sb.control.policies()


def test_a_policy_with_an_unknown_operator_is_refused_by_the_control_endpoint(sb):
    policy = {
        "Statement": {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEqualz": {"aws:TagKeys": "x"}},
        }
    }
    with pytest.raises(ControlError) as info:
        sb.control.set_policy("AKIATYPO", policy)
    assert info.value.status == 400 and "StringEqualz" in info.value.message


def test_an_unknown_operator_in_a_constructor_policy_fails_before_start(tmp_path):
    bad = {"Statement": {**BILLING, "Condition": {"StringEqualz": {"aws:TagKeys": "x"}}}}
    with pytest.raises(ValueError, match="StringEqualz"):
        Sandbox(tmp_path / "s.sqlite", policies={"AKIATYPO": bad})


def assume(sb: Sandbox, role_arn: str, caller: str):
    sts = boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=sb.url,
        aws_access_key_id=caller,
        aws_secret_access_key="x",
    )
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="test")["Credentials"]
    return boto3.client(
        "invoicing",
        region_name="us-east-1",
        endpoint_url=sb.url,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def test_a_role_arn_policy_applies_to_keys_minted_by_assume_role_of_that_role(sb, admin):
    role = f"arn:aws:iam::{ACCOUNT}:role/coupa-gitops-routine"
    sb.control.set_policy(role, TEST_ONLY_WRITES)
    arn = create(admin, "live")
    client = assume(sb, role, ADMIN)
    assert get(client, arn)[ARN_MEMBER] == arn
    denied(client.put_procurement_portal_preference, **put_request(arn))
    other = assume(sb, f"arn:aws:iam::{ACCOUNT}:role/coupa-gitops-go-live", ADMIN)
    other.put_procurement_portal_preference(**put_request(arn))


def test_sts_stays_open_to_a_key_whose_policy_denies_everything(sb):
    key, _ = restricted(sb, {"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}})
    sts = boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=sb.url,
        aws_access_key_id=key,
        aws_secret_access_key="x",
    )
    assert sts.get_caller_identity()["Account"] == ACCOUNT
