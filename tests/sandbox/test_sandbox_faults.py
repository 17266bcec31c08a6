"""Injected latency, throttling (429) and internal errors (500), visibly retried by botocore."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import create_request, error_of

from controller.sandbox import ControlError

RETRIES = {"mode": "standard", "max_attempts": 10}
NO_RETRIES = {"mode": "standard", "total_max_attempts": 1}
CALLS = 6


def test_throttling_is_retried_by_botocore_until_the_calls_succeed(faults, tenant):
    client = tenant.client_with(retries=RETRIES)
    faults.control.reset_call_counts()
    faults.control.set_faults(throttle_rate=0.5, seed=0)  # a seed without long streaks
    attempts = [
        client.list_procurement_portal_preferences()["ResponseMetadata"]["RetryAttempts"]
        for _ in range(CALLS)
    ]
    assert sum(attempts) > 0
    counts = faults.control.call_counts()
    assert counts["ListProcurementPortalPreferences"] == CALLS + sum(attempts)


def test_throttling_is_a_429_throttling_exception_without_retries(faults, tenant):
    client = tenant.client_with(retries=NO_RETRIES)
    faults.control.set_faults(throttle_rate=1.0)
    with pytest.raises(ClientError) as info:
        client.list_procurement_portal_preferences()
    assert error_of(info.value)[0] == "ThrottlingException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429


def test_a_server_fault_is_a_500_internal_server_exception_with_retry_after(faults, tenant):
    client = tenant.client_with(retries=NO_RETRIES)
    faults.control.set_faults(fault_rate=1.0)
    with pytest.raises(ClientError) as info:
        client.list_procurement_portals()
    metadata = info.value.response["ResponseMetadata"]
    assert (metadata["HTTPStatusCode"], error_of(info.value)[0]) == (500, "InternalServerException")
    assert int(metadata["HTTPHeaders"]["retry-after"]) >= 0


def test_server_faults_are_only_internal_server_exceptions(faults, tenant):
    client = tenant.client_with(retries=NO_RETRIES)
    faults.control.set_faults(fault_rate=1.0, seed=3)
    seen = set()
    for _ in range(12):
        with pytest.raises(ClientError) as info:
            client.list_procurement_portals()
        seen.add(error_of(info.value)[0])
    assert seen == {"InternalServerException"}


def test_internal_server_errors_are_retried_by_botocore_until_the_calls_succeed(faults, tenant):
    client = tenant.client_with(retries=RETRIES)
    faults.control.reset_call_counts()
    faults.control.set_faults(fault_rate=0.5, seed=3)
    attempts = [
        client.list_procurement_portals()["ResponseMetadata"]["RetryAttempts"] for _ in range(CALLS)
    ]
    assert sum(attempts) > 0
    assert faults.control.call_counts()["ListProcurementPortals"] == CALLS + sum(attempts)


def test_an_injected_fault_happens_before_any_effect(faults, tenant):
    client = tenant.client_with(retries=NO_RETRIES)
    faults.control.set_faults(fault_rate=1.0)
    with pytest.raises(ClientError):
        client.create_procurement_portal_preference(**create_request())
    faults.control.set_faults(fault_rate=0.0)
    assert client.list_procurement_portal_preferences()["ProcurementPortalPreferences"] == []


def test_a_retried_create_makes_exactly_one_preference_per_call(faults, tenant):
    client = tenant.client_with(retries=RETRIES)
    faults.control.set_faults(fault_rate=0.2, throttle_rate=0.2, seed=11)
    for i in range(5):
        client.create_procurement_portal_preference(**create_request(BuyerIdentifier=f"B{i}"))
    faults.control.set_faults(fault_rate=0.0, throttle_rate=0.0)
    listed = client.list_procurement_portal_preferences()["ProcurementPortalPreferences"]
    assert sorted(p["BuyerIdentifier"] for p in listed) == sorted(f"B{i}" for i in range(5))


def test_the_same_seed_repeats_the_same_faults(faults, tenant):
    client = tenant.client_with(retries=NO_RETRIES)

    def outcomes() -> list[str]:
        faults.control.set_faults(throttle_rate=0.3, fault_rate=0.3, seed=42)
        result = []
        for _ in range(15):
            try:
                client.list_procurement_portals()
                result.append("ok")
            except ClientError as exc:
                result.append(error_of(exc)[0])
        return result

    first, second = outcomes(), outcomes()
    assert first == second
    assert len(set(first)) > 1


def test_latency_is_added_to_api_calls_but_not_to_control_calls(faults, tenant):
    faults.control.set_faults(latency_ms=150)
    started = time.monotonic()
    tenant.client.list_procurement_portals()
    api_seconds = time.monotonic() - started
    started = time.monotonic()
    faults.control.call_counts()
    control_seconds = time.monotonic() - started
    assert api_seconds >= 0.15
    assert control_seconds < 0.15


def test_fault_settings_are_readable_and_validated(faults):
    settings = faults.control.set_faults(latency_ms=5, fault_rate=0.1, throttle_rate=0.2, seed=1)
    assert settings == {"latency_ms": 5.0, "fault_rate": 0.1, "throttle_rate": 0.2, "seed": 1}
    assert faults.control.get_faults() == settings
    with pytest.raises(ControlError) as info:
        faults.control.set_faults(fault_rate=1.5)
    assert info.value.status == 400 and "fault_rate" in info.value.message


def test_call_counts_count_each_operation_and_reset(faults, tenant):
    faults.control.reset_call_counts()
    tenant.client.list_procurement_portals()
    tenant.client.list_procurement_portals()
    tenant.client.list_procurement_portal_preferences()
    assert faults.control.call_counts() == {
        "ListProcurementPortals": 2,
        "ListProcurementPortalPreferences": 1,
    }
    faults.control.reset_call_counts()
    assert faults.control.call_counts() == {}


def test_sts_and_organizations_calls_are_counted_and_get_the_latency(faults, tenant):
    import boto3

    keys = {"aws_access_key_id": tenant.access_key, "aws_secret_access_key": "x"}
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=faults.url, **keys)
    orgs = boto3.client("organizations", region_name="us-east-1", endpoint_url=faults.url, **keys)
    faults.control.reset_call_counts()
    faults.control.set_faults(latency_ms=200)
    start = time.perf_counter()
    sts.assume_role(RoleArn=f"arn:aws:iam::{tenant.account}:role/r", RoleSessionName="bench")
    assert sts.get_caller_identity()["Account"] == tenant.account
    with pytest.raises(ClientError):
        orgs.describe_organization()  # the account belongs to no organization
    assert time.perf_counter() - start >= 0.6
    assert faults.control.call_counts() == {
        "AssumeRole": 1,
        "GetCallerIdentity": 1,
        "DescribeOrganization": 1,
    }
