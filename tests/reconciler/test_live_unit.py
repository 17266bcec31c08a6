"""The boto3 adapter's pure parts: error explanations and what a read keeps of a secret."""

from __future__ import annotations

import botocore.exceptions

from controller.providers.aws.live import Target, explain
from controller.providers.aws.reader import to_live
from controller.providers.aws.translate import secret_digest

from .builders import SECRET_VALUES, item, live


def _client_error(code: str, message: str = "no") -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": message}}, "GetProcurementPortalPreference"
    )


def _denied(service: str, operation: str) -> str:
    return str(explain(_client_error("AccessDeniedException"), service, operation, "123456789012"))


def test_access_denied_names_the_missing_permission_and_the_role_policy_for_a_read():
    text = _denied("invoicing", "GetProcurementPortalPreference")
    assert text.startswith(
        "access denied calling invoicing:GetProcurementPortalPreference in account 123456789012"
    )
    assert "lacks the permission `invoicing:GetProcurementPortalPreference`" in text
    assert "`coupa-gitops iam-policy plan`" in text
    assert "AWSMarketplaceProcurementSystemAdminFullAccess" not in text


def test_access_denied_on_a_routine_write_points_at_apply_and_for_live_ones_at_go_live():
    text = _denied("invoicing", "PutProcurementPortalPreference")
    assert "`coupa-gitops iam-policy apply`" in text
    assert "coupa-gitops:mode=test" in text
    assert "`coupa-gitops iam-policy go-live`" in text  # the same write on a live preference


def test_access_denied_on_a_status_change_points_at_go_live_only():
    text = _denied("invoicing", "UpdateProcurementPortalPreferenceStatus")
    assert "only the go-live role may (`coupa-gitops iam-policy go-live`)" in text
    assert "iam-policy apply" not in text


def test_other_aws_errors_keep_their_code_and_message():
    error = explain(_client_error("ConflictException", "busy"), "invoicing", "PutX", None)
    assert str(error) == "invoicing:PutX failed: ConflictException: busy"


def test_missing_credentials_point_at_the_demo():
    error = explain(botocore.exceptions.NoCredentialsError(), "sts", "GetCallerIdentity", None)
    assert str(error).startswith("no AWS credentials found.")
    assert "`coupa-gitops demo`" in str(error)


def test_a_read_preference_keeps_secrets_only_as_digests():
    pref = live(item())
    assert pref.essence["production.sharedSecret"] == secret_digest(
        SECRET_VALUES["ACME_COUPA_SECRET"]
    )
    assert SECRET_VALUES["ACME_COUPA_SECRET"] not in repr(pref)
    assert SECRET_VALUES["ACME_COUPA_TEST_SECRET"] not in repr(pref)


def test_a_read_preference_takes_its_mode_from_the_feature_statuses():
    it = item()
    assert live(it, ("ACTIVE", "TEST_INITIALIZED")).live_mode == "live"
    assert live(it, ("SUSPENDED", "SUSPENDED")).live_mode == "suspended"
    assert live(it, ("TEST_FAILED", None)).live_mode == "test"


def test_to_live_reads_the_name_and_commit_tags():
    doc = {
        "ProcurementPortalPreferenceArn": "arn:x",
        "AwsAccountId": "123456789012",
        "Version": 4,
        "ProcurementPortalName": "COUPA",
        "BuyerIdentifier": "B",
        "SupplierIdentifier": "S",
    }
    tags = [
        {"Key": "coupa-gitops:name", "Value": "acme"},
        {"Key": "coupa-gitops:commit", "Value": "abc"},
    ]
    pref = to_live(Target("123456789012", "us-east-1"), doc, tags)
    assert (pref.managed_name, pref.last_commit, pref.version) == ("acme", "abc", 4)
