"""Preflight against moto's STS and Organizations: only the payer account may configure this."""

from __future__ import annotations

import boto3
import pytest

from .helpers import ACCOUNT, CANARY


@pytest.fixture
def member(world) -> str:
    """An Organization whose management account is the default one, with one member account."""
    org = boto3.client("organizations")
    assert org.create_organization(FeatureSet="ALL")["Organization"]["MasterAccountId"] == ACCOUNT
    status = org.create_account(Email="member@acme.example", AccountName="member")
    return status["CreateAccountStatus"]["AccountId"]


def _act_as(monkeypatch, account: str) -> None:
    """Credentials of a role in `account` (moto STS), set as the environment's credentials."""
    creds = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/ops", RoleSessionName="member-session"
    )["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])


def test_member_account_is_refused_naming_the_payer_account(world, member, monkeypatch):
    _act_as(monkeypatch, member)
    world.write(account=member)
    result = world.plan()
    assert result.code == 1
    assert (
        f"error: account {member} is a member of the AWS Organization whose payer (management) "
        f"account is {ACCOUNT}: only the payer account can configure procurement integrations, "
        f"so set spec.account to {ACCOUNT} and use its credentials"
    ) in result.err


def test_member_account_refusal_comes_before_any_invoicing_call(world, member, monkeypatch):
    _act_as(monkeypatch, member)
    world.write(account=member)
    assert world.apply("--auto-approve").code == 1
    assert world.control.call_counts() == {}


def test_member_account_reached_through_role_arn_is_refused_too(world, member):
    world.write(account=member, role_arn=f"arn:aws:iam::{member}:role/coupa-gitops")
    result = world.plan()
    assert result.code == 1
    assert f"account {member} is a member of the AWS Organization" in result.err
    assert f"set spec.account to {ACCOUNT}" in result.err


def test_payer_account_of_an_organization_is_accepted(world, member):
    world.write()
    result = world.plan()
    assert result.code == 0, result.err
    assert "1 to create" in result.out


def test_account_without_an_organization_is_its_own_payer(world):
    world.write()
    assert world.plan().code == 0


def test_caller_of_another_account_is_refused_naming_both_accounts(world):
    world.write(account="111122223333")
    result = world.plan()
    assert result.code == 1
    assert (
        "the credentials are for account 123456789012, but the integration is for account "
        "111122223333: run with credentials of 111122223333"
    ) in result.err
    assert world.control.call_counts() == {}


def test_role_arn_in_the_payer_account_is_assumed_and_works(world):
    world.write(role_arn=f"arn:aws:iam::{ACCOUNT}:role/coupa-gitops")
    result = world.apply("--auto-approve")
    assert result.code == 0, result.err
    assert len(world.summaries()) == 1


def test_in_github_actions_secrets_are_masked_on_stderr_and_never_reach_stdout(world, monkeypatch):
    """stdout is the PR comment (`plan --format markdown > plan.md`): a mask line there leaks."""
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    world.write()
    result = world.plan("--format", "markdown")
    assert result.code == 0
    assert CANARY not in result.out
    assert f"::add-mask::{CANARY}-prod-secret" in result.err.splitlines()


def _orphan_behind_a_role(world, monkeypatch) -> None:
    """Base credentials of a CI account, a role into the payer account, one file removed."""
    role = f"arn:aws:iam::{ACCOUNT}:role/coupa-gitops"
    world.control.map_account("AKIATESTCIACCOUNT", "210000000001")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTCIACCOUNT")
    world.write("acme-emea", role_arn=role)
    world.write("acme-apac", buyer="ACME-APAC", role_arn=role)
    assert world.apply("--auto-approve").code == 0
    world.remove("acme-apac")


def test_an_orphan_reached_through_a_role_is_deleted_through_that_role(world, monkeypatch):
    _orphan_behind_a_role(world, monkeypatch)
    result = world.apply("--auto-approve", "--allow-delete")
    assert result.code == 0, result.err
    assert [s["BuyerIdentifier"] for s in _payer_summaries(monkeypatch)] == ["ACME-EMEA"]


def test_a_plan_file_deleting_an_orphan_behind_a_role_is_checked_and_applied(
    world, monkeypatch, tmp_path
):
    _orphan_behind_a_role(world, monkeypatch)
    out = tmp_path / "plan.json"
    assert world.plan("--out", str(out)).code == 0
    result = world.apply("--plan", str(out), "--allow-delete")
    assert result.code == 0, result.err
    assert [s["BuyerIdentifier"] for s in _payer_summaries(monkeypatch)] == ["ACME-EMEA"]


def _payer_summaries(monkeypatch) -> list[dict]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTRECONCILER")  # the sandbox's default account
    pages = boto3.client("invoicing").get_paginator("list_procurement_portal_preferences")
    return [s for page in pages.paginate() for s in page["ProcurementPortalPreferences"]]


def test_no_credentials_at_all_is_an_error_that_points_at_the_demo(world, monkeypatch):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    world.write()
    result = world.plan()
    assert result.code == 1
    assert result.err.startswith("error: no AWS credentials found.")
