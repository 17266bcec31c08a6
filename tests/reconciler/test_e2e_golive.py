"""Go-live: test -> live, live -> suspended -> live, gated by --allow-go-live and readiness."""

from __future__ import annotations

import git

from .helpers import FUTURE

STATUSES = ("EinvoiceDeliveryPreferenceStatus", "PurchaseOrderRetrievalPreferenceStatus")


def _statuses(world, name: str = "acme-emea") -> tuple[str, str]:
    doc = world.live(name)
    return tuple(doc.get(key) for key in STATUSES)


def _created_and_ready(world, passed: bool = True, **values) -> str:
    world.write(**values)
    assert world.apply("--auto-approve").code == 0
    return world.make_ready(passed=passed)


def _live(world) -> str:
    arn = _created_and_ready(world)
    world.write(mode="live")
    result = world.apply("--auto-approve", "--allow-go-live")
    assert result.code == 0, result.err
    return arn


def test_verify_endpoint_sends_a_code_and_the_code_validates_the_endpoint(world):
    world.write()
    assert world.apply("--auto-approve").code == 0
    arn = world.arn_of("acme-emea")
    sent = world.cli("verify-endpoint", "acme-emea", "--config", str(world.config))
    assert sent.code == 0
    assert "Validation code sent for acme-emea" in sent.out
    code = world.control.validation_code(arn)
    done = world.cli("verify-endpoint", "acme-emea", "--code", code, "--config", str(world.config))
    assert done.code == 0, done.err
    assert _statuses(world) == ("VALIDATED", "VALIDATED")


def test_verify_endpoint_with_a_wrong_code_fails_and_stays_pending(world):
    world.write()
    assert world.apply("--auto-approve").code == 0
    assert world.cli("verify-endpoint", "acme-emea", "--config", str(world.config)).code == 0
    result = world.cli(
        "verify-endpoint", "acme-emea", "--code", "000000-wrong", "--config", str(world.config)
    )
    assert result.code == 1
    assert result.err.startswith("error: invoicing:VerifyProcurementPortalValidation")
    assert _statuses(world) == ("PENDING_VERIFICATION", "PENDING_VERIFICATION")


def test_verify_endpoint_of_an_integration_not_yet_created_says_apply_first(world):
    world.write()
    result = world.cli("verify-endpoint", "acme-emea", "--config", str(world.config))
    assert result.code == 1
    assert "acme-emea does not exist in AWS yet: run `coupa-gitops apply` first" in result.err


def test_go_live_is_blocked_without_allow_go_live_and_changes_nothing(world):
    _created_and_ready(world)
    world.write(mode="live")
    result = world.apply("--auto-approve")
    assert result.code == 3
    assert result.err.startswith("blocked: needs approval, nothing was changed")
    assert "acme-emea: mode test -> live: go-live changes run only with --allow-go-live" in (
        result.err
    )
    assert _statuses(world) == ("TEST_INITIALIZED", "TEST_INITIALIZED")


def test_skip_go_live_exits_0_and_reports_the_go_live_as_pending(world):
    _created_and_ready(world)
    world.write(mode="live")
    result = world.apply("--auto-approve", "--skip-go-live")
    assert result.code == 0, result.err
    assert (
        "Pending go-live (needs approval in the go-live job):\n  - acme-emea: mode test -> live"
        in (result.out)
    )
    assert _statuses(world) == ("TEST_INITIALIZED", "TEST_INITIALIZED")


def test_skip_go_live_still_applies_the_routine_changes(world):
    _created_and_ready(world)
    world.write(mode="live", email="ap@acme.example")
    result = world.apply("--auto-approve", "--skip-go-live")
    assert result.code == 0, result.err
    assert world.live("acme-emea")["Contacts"][0]["Email"] == "ap@acme.example"
    assert _statuses(world) == ("TEST_INITIALIZED", "TEST_INITIALIZED")


def test_go_live_after_a_failed_connection_test_is_refused_even_with_the_flag(world):
    _created_and_ready(world, passed=False)
    world.write(mode="live")
    result = world.apply("--auto-approve", "--allow-go-live")
    assert result.code == 1
    assert "refused, nothing was changed" in result.err
    assert (
        "e-invoice delivery connection test passed (status TEST_FAILED; fix the Coupa side and "
        "rerun the connection test)" in result.err
    )
    assert _statuses(world) == ("TEST_FAILED", "TEST_FAILED")


def test_plan_shows_a_failed_connection_test_as_not_ready(world):
    _created_and_ready(world, passed=False)
    world.write(mode="live")
    result = world.plan("--format", "markdown")
    assert result.code == 0
    assert "| `acme-emea` | mode test -> live | 123456789012 | :x: **not ready** |" in result.out
    assert "- [ ] **e-invoice delivery connection test passed**: status TEST_FAILED" in result.out


def test_go_live_before_the_endpoint_is_validated_is_refused_naming_verify_endpoint(world):
    world.write()
    assert world.apply("--auto-approve").code == 0
    world.write(mode="live")
    result = world.apply("--auto-approve", "--allow-go-live")
    assert result.code == 1
    assert (
        "endpoint validated (status PENDING_VERIFICATION; run `coupa-gitops verify-endpoint`)"
        in (result.err)
    )


def test_go_live_before_the_activation_date_is_refused(world):
    _created_and_ready(world, activation=FUTURE)
    world.write(mode="live", activation=FUTURE)
    result = world.apply("--auto-approve", "--allow-go-live")
    assert result.code == 1
    assert "activation date reached (e-invoice activation date is 2099-01-01 (later))" in result.err
    assert _statuses(world) == ("TEST_INITIALIZED", "TEST_INITIALIZED")


def test_go_live_when_ready_sets_every_enabled_feature_active(world):
    _created_and_ready(world)
    world.write(mode="live")
    plan = world.plan()
    assert "readiness: READY" in plan.out
    result = world.apply("--auto-approve", "--allow-go-live")
    assert result.code == 0, result.err
    assert _statuses(world) == ("ACTIVE", "ACTIVE")
    assert world.plan("--detailed-exitcode").code == 0


def test_go_live_status_reason_names_the_commit(world):
    repo = git.Repo.init(world.tmp_path)
    actor = git.Actor("t", "t@example.com")
    _created_and_ready(world)
    world.write(mode="live")
    repo.index.add([str(world.config / "acme-emea.yaml")])
    commit = repo.index.commit("go live", author=actor, committer=actor)
    assert world.apply("--auto-approve", "--allow-go-live").code == 0
    doc = world.live("acme-emea")
    assert f"mode live at commit {commit.hexsha}" in doc["EinvoiceDeliveryPreferenceStatusReason"]
    assert world.tags(doc["ProcurementPortalPreferenceArn"])["coupa-gitops:commit"] == (
        commit.hexsha
    )


def test_status_shows_the_live_mode_and_active_features_after_go_live(world):
    _live(world)
    result = world.status()
    assert result.code == 0
    row = next(line for line in result.out.splitlines() if line.startswith("acme-emea"))
    assert row.split() == [
        "acme-emea",
        "123456789012",
        "live",
        "live",
        "ACTIVE",
        "ACTIVE",
        "-",  # no git checkout: no commit tag is written
        "no",
    ]


def test_suspending_a_live_integration_is_blocked_without_the_flag(world):
    _live(world)
    world.write(mode="suspended")
    result = world.apply("--auto-approve")
    assert result.code == 3
    assert "acme-emea: mode live -> suspended" in result.err
    assert _statuses(world) == ("ACTIVE", "ACTIVE")


def test_live_to_suspended_and_back_to_live(world):
    _live(world)
    world.write(mode="suspended")
    assert world.apply("--auto-approve", "--allow-go-live").code == 0
    assert _statuses(world) == ("SUSPENDED", "SUSPENDED")
    assert world.plan("--detailed-exitcode").code == 0
    world.write(mode="live")
    result = world.apply("--auto-approve", "--allow-go-live")
    assert result.code == 0, result.err
    assert _statuses(world) == ("ACTIVE", "ACTIVE")
    assert world.plan("--detailed-exitcode").code == 0


def test_contact_change_on_a_live_integration_is_go_live(world):
    _live(world)
    world.write(mode="live", email="ap@acme.example")
    result = world.apply("--auto-approve")
    assert result.code == 3
    assert "acme-emea: update: go-live changes run only with --allow-go-live" in result.err
    assert world.live("acme-emea")["Contacts"][0]["Email"] == "procurement-ops@acme.example"
    approved = world.apply("--auto-approve", "--allow-go-live")
    assert approved.code == 0, approved.err
    assert world.live("acme-emea")["Contacts"][0]["Email"] == "ap@acme.example"
    assert _statuses(world) == ("ACTIVE", "ACTIVE")


def test_secret_change_on_a_live_integration_is_a_go_live_change(world, monkeypatch):
    _live(world)
    monkeypatch.setenv("ACME_COUPA_SECRET", "CANARY-7f3a9-rotated")
    result = world.apply("--auto-approve")
    assert result.code == 3
    assert "acme-emea: update: go-live changes run only with --allow-go-live" in result.err
    assert _statuses(world) == ("ACTIVE", "ACTIVE")


def test_moving_a_live_integration_back_to_test_is_refused_with_the_way_out(world):
    _live(world)
    world.write(mode="test")
    result = world.apply("--auto-approve", "--allow-go-live")
    assert result.code == 1
    assert "AWS has no way back to test mode once live; use `mode: suspended` to pause it" in (
        result.err
    )


def test_a_new_integration_declared_live_is_created_with_its_go_live_left_pending(world):
    world.write(mode="live")
    result = world.apply("--auto-approve", "--skip-go-live")
    assert result.code == 0, result.err
    assert "  - acme-emea: mode test -> live" in result.out
    assert _statuses(world) == ("PENDING_VERIFICATION", "PENDING_VERIFICATION")


def test_sending_the_validation_again_sends_a_new_code(world):
    """The Coupa admin lost the first code: a second `verify-endpoint NAME` must send again."""
    world.write()
    assert world.apply("--auto-approve").code == 0
    arn = world.arn_of("acme-emea")
    assert world.cli("verify-endpoint", "acme-emea", "--config", str(world.config)).code == 0
    first = world.control.validation_code(arn)
    assert world.cli("verify-endpoint", "acme-emea", "--config", str(world.config)).code == 0
    second = world.control.validation_code(arn)
    assert second != first
    done = world.cli(
        "verify-endpoint", "acme-emea", "--code", second, "--config", str(world.config)
    )
    assert done.code == 0, done.err


def test_rotating_a_live_secret_applies_with_approval_and_leaves_reactivation_pending(
    world, monkeypatch
):
    _live(world)
    monkeypatch.setenv("ACME_COUPA_SECRET", "CANARY-7f3a9-rotated")
    result = world.apply("--auto-approve", "--allow-go-live")
    assert result.code == 0, result.err
    assert "acme-emea: update: updated" in result.out
    assert "  - acme-emea: mode test -> live" in result.out  # waits for validation again
    assert _statuses(world) == ("PENDING_VERIFICATION", "PENDING_VERIFICATION")


def test_a_new_live_integration_in_the_approved_job_is_created_and_its_go_live_waits(world):
    world.write(mode="live")
    result = world.apply("--auto-approve", "--allow-go-live")
    assert result.code == 0, result.err
    assert "acme-emea: create: created" in result.out
    assert "  - acme-emea: mode test -> live" in result.out
