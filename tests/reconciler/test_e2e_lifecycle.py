"""create, no-op, update, replace, delete: the routine life of an integration, end to end."""

from __future__ import annotations

from .helpers import SECRETS


def test_plan_from_nothing_proposes_a_create_and_exits_2_with_detailed_exitcode(world):
    world.write()
    result = world.plan("--detailed-exitcode")
    assert result.code == 2, result.err
    assert result.out.startswith("Plan: 1 to create; 0 unchanged.")
    assert "+ acme-emea: create  [account 123456789012]" in result.out
    assert world.summaries() == []


def test_plan_without_detailed_exitcode_exits_0_even_with_changes(world):
    world.write()
    result = world.plan()
    assert result.code == 0, result.err
    assert "1 to create" in result.out


def test_apply_creates_one_preference_tagged_with_its_name(world):
    world.write()
    result = world.apply("--auto-approve")
    assert result.code == 0, result.err
    assert "Apply complete: 1 change(s) done." in result.out
    [summary] = world.summaries()
    tags = world.tags(summary["ProcurementPortalPreferenceArn"])
    assert tags["coupa-gitops:name"] == "acme-emea"
    assert tags["cost-center"] == "4711"
    assert summary["BuyerIdentifier"] == "ACME-EMEA"


def test_created_preference_starts_pending_verification_in_test_mode(world):
    world.write()
    assert world.apply("--auto-approve").code == 0
    doc = world.live("acme-emea")
    assert doc["EinvoiceDeliveryPreferenceStatus"] == "PENDING_VERIFICATION"
    assert doc["PurchaseOrderRetrievalPreferenceStatus"] == "PENDING_VERIFICATION"


def test_second_plan_after_apply_is_empty_and_exits_0_with_detailed_exitcode(world):
    world.write()
    assert world.apply("--auto-approve").code == 0
    result = world.plan("--detailed-exitcode")
    assert result.code == 0, result.out + result.err
    assert result.out.startswith("No changes. 1 integration(s) match AWS.")


def test_second_apply_changes_nothing(world):
    world.write()
    assert world.apply("--auto-approve").code == 0
    version = world.live("acme-emea")["Version"]
    result = world.apply("--auto-approve")
    assert result.code == 0
    assert "No changes" in result.out
    assert world.live("acme-emea")["Version"] == version
    assert len(world.summaries()) == 1


def test_commit_tag_is_the_git_commit_of_the_config_checkout(world):
    import git

    repo = git.Repo.init(world.tmp_path)
    world.write()
    repo.index.add([str(world.config / "acme-emea.yaml")])
    commit = repo.index.commit(
        "config", author=git.Actor("t", "t@example.com"), committer=git.Actor("t", "t@example.com")
    )
    assert world.apply("--auto-approve").code == 0
    assert world.tags(world.arn_of("acme-emea"))["coupa-gitops:commit"] == commit.hexsha


def test_contact_email_change_is_an_update_in_place_showing_before_and_after(world):
    world.write()
    assert world.apply("--auto-approve").code == 0
    world.write(email="ap@acme.example")
    result = world.plan("--detailed-exitcode")
    assert result.code == 2
    assert "~ acme-emea: update" in result.out
    assert 'contact.email: "procurement-ops@acme.example" -> "ap@acme.example"' in result.out
    assert "replace" not in result.out.split("\n", 1)[1]


def test_update_in_place_keeps_the_arn_and_converges(world):
    world.write()
    assert world.apply("--auto-approve").code == 0
    arn = world.arn_of("acme-emea")
    world.write(email="ap@acme.example")
    assert world.apply("--auto-approve").code == 0
    assert world.arn_of("acme-emea") == arn
    assert world.get(arn)["Contacts"] == [{"Name": "Procurement Ops", "Email": "ap@acme.example"}]
    assert world.plan("--detailed-exitcode").code == 0


def test_tag_change_is_an_update_that_retags_without_a_put(world):
    world.write()
    assert world.apply("--auto-approve").code == 0
    arn = world.arn_of("acme-emea")
    version = world.get(arn)["Version"]
    world.write(cost_center="9000")
    assert 'tags.cost-center: "4711" -> "9000"' in world.plan().out
    assert world.apply("--auto-approve").code == 0
    assert world.tags(arn)["cost-center"] == "9000"
    assert world.get(arn)["Version"] == version
    assert world.plan("--detailed-exitcode").code == 0


def test_secret_change_shows_only_sensitive_value_changed(world, monkeypatch):
    world.write()
    assert world.apply("--auto-approve").code == 0
    monkeypatch.setenv("ACME_COUPA_SECRET", "CANARY-7f3a9-rotated")
    result = world.plan("--detailed-exitcode")
    assert result.code == 2
    assert "production.sharedSecret: (sensitive value changed)" in result.out
    assert "test.sharedSecret" not in result.out
    assert "rotated" not in result.both


def test_secret_change_is_applied_so_the_next_plan_is_empty(world, monkeypatch):
    world.write()
    assert world.apply("--auto-approve").code == 0
    monkeypatch.setenv("ACME_COUPA_SECRET", "CANARY-7f3a9-rotated")
    assert world.apply("--auto-approve").code == 0
    assert world.live("acme-emea")["ProcurementPortalSharedSecret"] == "CANARY-7f3a9-rotated"
    assert world.plan("--detailed-exitcode").code == 0


def test_an_unreadable_secret_is_unknown_in_plan_never_unchanged(world, monkeypatch):
    # defect 6: an unset env var used to plan "No changes"
    world.write()
    assert world.apply("--auto-approve").code == 0
    monkeypatch.delenv("ACME_COUPA_SECRET")
    result = world.plan("--detailed-exitcode")
    assert result.code == 2, result.out
    assert (
        "acme-emea: production.sharedSecret (env:ACME_COUPA_SECRET) is unknown: the environment "
        "variable ACME_COUPA_SECRET is not set (or empty)"
    ) in result.out
    assert "No changes" not in result.out


def test_apply_refuses_before_any_write_when_a_secret_is_unreadable(world, monkeypatch):
    world.write()
    world.write("acme-apac", buyer="ACME-APAC", secret_env="APAC_COUPA_SECRET")
    monkeypatch.delenv("ACME_COUPA_SECRET")
    monkeypatch.setenv("APAC_COUPA_SECRET", "apac-secret-value")
    result = world.apply("--auto-approve")
    assert result.code == 1
    assert "refused, nothing was changed" in result.err
    assert "acme-emea: production.sharedSecret (env:ACME_COUPA_SECRET) is unknown" in result.err
    assert world.summaries() == []


def test_replace_is_blocked_without_allow_replace_and_changes_nothing(world):
    world.write()
    assert world.apply("--auto-approve").code == 0
    arn = world.arn_of("acme-emea")
    version = world.get(arn)["Version"]
    world.write(buyer="ACME-EMEA-2")
    result = world.apply("--auto-approve")
    assert result.code == 3, result.err
    assert "blocked: needs approval, nothing was changed" in result.err
    assert "pass --allow-replace" in result.err
    assert [s["ProcurementPortalPreferenceArn"] for s in world.summaries()] == [arn]
    assert world.get(arn)["Version"] == version


def test_replace_plan_says_which_immutable_field_forces_it(world):
    world.write()
    assert world.apply("--auto-approve").code == 0
    world.write(buyer="ACME-EMEA-2")
    result = world.plan()
    assert "-/+ acme-emea: replace" in result.out
    assert "immutable field changed: production.buyer.identity" in result.out
    assert (
        'production.buyer.identity: "ACME-EMEA" -> "ACME-EMEA-2"   # forces replacement'
        in result.out
    )


def test_replace_with_allow_replace_recreates_the_preference_with_the_new_identity(world):
    world.write()
    assert world.apply("--auto-approve").code == 0
    old = world.arn_of("acme-emea")
    world.write(buyer="ACME-EMEA-2")
    result = world.apply("--auto-approve", "--allow-replace")
    assert result.code == 0, result.err
    [summary] = world.summaries()
    assert summary["ProcurementPortalPreferenceArn"] != old
    assert summary["BuyerIdentifier"] == "ACME-EMEA-2"
    assert world.plan("--detailed-exitcode").code == 0


def test_replace_back_to_an_earlier_identity_creates_it_again(world):
    world.write()
    assert world.apply("--auto-approve").code == 0
    world.write(buyer="ACME-EMEA-2")
    assert world.apply("--auto-approve", "--allow-replace").code == 0
    world.write()
    result = world.apply("--auto-approve", "--allow-replace")
    assert result.code == 0, result.err
    [summary] = world.summaries()
    assert summary["BuyerIdentifier"] == "ACME-EMEA"
    assert world.plan("--detailed-exitcode").code == 0


def _two_integrations(world):
    world.write("acme-emea")
    world.write("acme-apac", buyer="ACME-APAC")
    assert world.apply("--auto-approve").code == 0
    world.remove("acme-apac")


def test_delete_is_blocked_without_allow_delete_and_changes_nothing(world):
    _two_integrations(world)
    result = world.apply("--auto-approve")
    assert result.code == 3
    assert "acme-apac: delete: deleting stops the integration for good: pass --allow-delete" in (
        result.err
    )
    assert len(world.summaries()) == 2


def test_plan_shows_a_managed_preference_without_file_as_a_delete(world):
    _two_integrations(world)
    result = world.plan("--detailed-exitcode")
    assert result.code == 2
    assert "- acme-apac: delete" in result.out
    assert "why: its config file is gone" in result.out


def test_delete_with_allow_delete_removes_the_orphan_only(world):
    _two_integrations(world)
    result = world.apply("--auto-approve", "--allow-delete")
    assert result.code == 0, result.err
    [summary] = world.summaries()
    assert summary["BuyerIdentifier"] == "ACME-EMEA"
    assert world.plan("--detailed-exitcode").code == 0


def test_deleted_integration_can_be_created_again_from_the_same_file(world):
    _two_integrations(world)
    assert world.apply("--auto-approve", "--allow-delete").code == 0
    world.write("acme-apac", buyer="ACME-APAC")
    result = world.apply("--auto-approve")
    assert result.code == 0, result.err
    assert sorted(s["BuyerIdentifier"] for s in world.summaries()) == ["ACME-APAC", "ACME-EMEA"]
    assert world.plan("--detailed-exitcode").code == 0


def test_apply_without_a_terminal_and_without_auto_approve_or_plan_refuses(world):
    world.write()
    result = world.run("apply", str(world.config))
    assert result.code == 1
    assert "apply needs --auto-approve or --plan FILE when not run interactively" in result.err
    assert world.summaries() == []


def test_cli_as_a_subprocess_applies_and_then_plans_empty(world):
    world.write()
    assert world.run("apply", str(world.config), "--auto-approve").code == 0
    result = world.run("plan", str(world.config), "--detailed-exitcode")
    assert result.code == 0, result.err
    assert "No changes" in result.out


def test_subprocess_plan_output_has_no_colour_when_not_a_terminal(world):
    world.write()
    result = world.run("plan", str(world.config))
    assert result.code == 0
    assert "\x1b[" not in result.out


def test_secrets_are_sent_to_aws_but_never_printed(world):
    world.write()
    result = world.apply("--auto-approve")
    doc = world.live("acme-emea")
    assert doc["ProcurementPortalSharedSecret"] == SECRETS["ACME_COUPA_SECRET"]
    assert (
        doc["TestEnvPreference"]["ProcurementPortalSharedSecret"]
        == (SECRETS["ACME_COUPA_TEST_SECRET"])
    )
    assert SECRETS["ACME_COUPA_SECRET"] not in result.both


def _last_file_of_its_account_removed_in_git(world):
    import git

    repo = git.Repo.init(world.tmp_path)
    actor = git.Actor("t", "t@example.com")
    path = world.write()
    keep = world.config / ".keep"
    keep.write_text("")
    repo.index.add([str(path), str(keep)])
    repo.index.commit("add acme-emea", author=actor, committer=actor)
    assert world.apply("--auto-approve").code == 0
    repo.index.remove([str(path)], working_tree=True)
    repo.index.commit("remove acme-emea", author=actor, committer=actor)


def test_plan_changed_since_finds_the_orphan_of_the_last_file_of_an_account(world):
    _last_file_of_its_account_removed_in_git(world)
    result = world.plan("--changed-since", "HEAD~1", "--detailed-exitcode")
    assert result.code == 2
    assert "- acme-emea: delete" in result.out


def test_apply_deletes_the_orphan_of_the_last_file_of_an_account(world):
    _last_file_of_its_account_removed_in_git(world)
    assert world.apply("--auto-approve", "--allow-delete").code == 0
    assert world.summaries() == []
