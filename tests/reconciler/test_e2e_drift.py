"""Drift made out of band, saved plan files, unmanaged preferences and `import`."""

from __future__ import annotations

import json

from .helpers import CANARY, unmanaged_request

CONSOLE_CONTACT = {"Contacts": [{"Name": "Procurement Ops", "Email": "console@acme.example"}]}


def _applied(world) -> str:
    world.write()
    assert world.apply("--auto-approve").code == 0
    return world.arn_of("acme-emea")


def _status_row(result, name: str = "acme-emea") -> list[str]:
    return next(line for line in result.out.splitlines() if line.startswith(name)).split()


# --- drift ---


def test_drift_made_in_the_console_shows_in_plan_as_an_update_back_to_the_file(world):
    arn = _applied(world)
    world.control.drift(arn, CONSOLE_CONTACT)
    result = world.plan("--detailed-exitcode")
    assert result.code == 2
    assert 'contact.email: "console@acme.example" -> "procurement-ops@acme.example"' in result.out


def test_status_says_drift_yes_after_an_out_of_band_change(world):
    arn = _applied(world)
    world.control.drift(arn, CONSOLE_CONTACT)
    assert _status_row(world.status())[-1] == "yes"


def test_status_says_drift_no_when_aws_matches_the_file(world):
    _applied(world)
    result = world.status()
    assert result.code == 0
    assert result.out.splitlines()[0].split()[-1] == "DRIFT"
    assert _status_row(result)[-1] == "no"


def test_status_of_an_integration_not_created_yet_says_not_created(world):
    world.write()
    assert "(not created)" in world.status().out


def test_apply_repairs_drift_and_the_next_plan_is_empty(world):
    arn = _applied(world)
    world.control.drift(arn, {"MarketplacePunchOutEnabled": False})
    assert "punchout.enabled: false -> true" in world.plan().out
    assert world.apply("--auto-approve").code == 0
    assert world.get(arn)["MarketplacePunchOutEnabled"] is True
    assert world.plan("--detailed-exitcode").code == 0


# --- plan files ---


def test_plan_file_records_the_observed_version_and_the_config_digest(world, tmp_path):
    arn = _applied(world)
    world.write(email="ap@acme.example")
    out = tmp_path / "plan.json"
    result = world.plan("--out", str(out))
    assert result.code == 0
    doc = json.loads(out.read_text())
    [change] = doc["changes"]
    assert (change["arn"], change["version"]) == (arn, world.get(arn)["Version"])
    assert doc["config_digest"].startswith("sha256:")
    assert f"plan saved to {out}" in result.err


def test_plan_file_contains_no_secret(world, tmp_path, monkeypatch):
    _applied(world)
    monkeypatch.setenv("ACME_COUPA_SECRET", f"{CANARY}-rotated")
    out = tmp_path / "plan.json"
    assert world.plan("--out", str(out)).code == 0
    text = out.read_text()
    assert '"path": "production.sharedSecret"' in text
    assert CANARY not in text


def test_apply_of_a_current_plan_file_applies_it(world, tmp_path):
    arn = _applied(world)
    world.write(email="ap@acme.example")
    out = tmp_path / "plan.json"
    assert world.plan("--out", str(out)).code == 0
    result = world.apply("--plan", str(out))
    assert result.code == 0, result.err
    assert world.get(arn)["Contacts"][0]["Email"] == "ap@acme.example"
    assert world.plan("--detailed-exitcode").code == 0


def test_apply_of_a_plan_file_resolves_the_secrets_itself(world, tmp_path, monkeypatch):
    arn = _applied(world)
    monkeypatch.setenv("ACME_COUPA_SECRET", f"{CANARY}-rotated")
    out = tmp_path / "plan.json"
    assert world.plan("--out", str(out)).code == 0
    assert world.apply("--plan", str(out)).code == 0
    assert world.get(arn)["ProcurementPortalSharedSecret"] == f"{CANARY}-rotated"


def test_stale_plan_file_is_refused_after_drift(world, tmp_path):
    arn = _applied(world)
    world.write(email="ap@acme.example")
    out = tmp_path / "plan.json"
    assert world.plan("--out", str(out)).code == 0
    world.control.drift(arn, {"MarketplacePunchOutEnabled": False})
    version = world.get(arn)["Version"]
    result = world.apply("--plan", str(out))
    assert result.code == 1
    assert "the plan is stale" in result.err
    assert result.err.rstrip().endswith("plan again")
    assert world.get(arn)["Version"] == version


def test_plan_file_is_refused_when_the_config_changed_since(world, tmp_path):
    arn = _applied(world)
    world.write(email="ap@acme.example")
    out = tmp_path / "plan.json"
    assert world.plan("--out", str(out)).code == 0
    world.write(email="other@acme.example")
    result = world.apply("--plan", str(out))
    assert result.code == 1
    assert "the plan is stale" in result.err
    assert world.get(arn)["Contacts"][0]["Email"] == "procurement-ops@acme.example"


def test_plan_file_of_a_deleted_preference_is_refused(world, tmp_path):
    arn = _applied(world)
    world.write(email="ap@acme.example")
    out = tmp_path / "plan.json"
    assert world.plan("--out", str(out)).code == 0
    world.client().delete_procurement_portal_preference(ProcurementPortalPreferenceArn=arn)
    result = world.apply("--plan", str(out))
    assert result.code == 1
    assert "the plan is stale" in result.err


def test_go_live_in_a_plan_file_still_needs_allow_go_live(world, tmp_path):
    _applied(world)
    world.make_ready()
    world.write(mode="live")
    out = tmp_path / "plan.json"
    assert world.plan("--out", str(out)).code == 0
    assert world.apply("--plan", str(out)).code == 3
    assert world.apply("--plan", str(out), "--allow-go-live").code == 0


def test_a_file_that_is_not_a_plan_is_refused(world, tmp_path):
    world.write()
    bogus = tmp_path / "plan.json"
    bogus.write_text('{"kind": "something-else"}')
    result = world.apply("--plan", str(bogus))
    assert result.code == 1
    assert f"{bogus} is not a coupa-gitops plan file" in result.err


def test_plan_as_json_carries_format_version_and_no_secret(world, monkeypatch):
    _applied(world)
    monkeypatch.setenv("ACME_COUPA_SECRET", f"{CANARY}-rotated")
    result = world.plan("--format", "json")
    doc = json.loads(result.out)
    assert doc["format_version"] == "4"
    [change] = doc["changes"]
    assert change["fields"] == [
        {
            "after": None,
            "before": None,
            "immutable": False,
            "path": "production.sharedSecret",
            "sensitive": True,
        }
    ]


# --- unmanaged preferences and import ---


def _unmanaged(world, buyer: str) -> str:
    reply = world.client().create_procurement_portal_preference(**unmanaged_request(buyer))
    return reply["ProcurementPortalPreferenceArn"]


def test_unmanaged_preference_is_listed_in_plan_and_never_changed(world):
    other = _unmanaged(world, "OTHER-CO")
    version = world.get(other)["Version"]
    world.write()
    plan = world.plan()
    assert "Unmanaged preferences (no coupa-gitops:name tag; never changed):" in plan.out
    assert f"  {other} (buyer OTHER-CO, supplier AWS-MARKETPLACE)" in plan.out
    assert world.apply("--auto-approve", "--allow-delete", "--allow-replace").code == 0
    assert world.get(other)["Version"] == version
    assert world.tags(other) == {"owner": "console"}
    assert len(world.summaries()) == 2


def test_status_lists_unmanaged_preferences(world):
    other = _unmanaged(world, "OTHER-CO")
    world.write()
    result = world.status()
    assert "unmanaged (no coupa-gitops:name tag; never changed):" in result.out
    assert f"  {other} buyer OTHER-CO supplier AWS-MARKETPLACE" in result.out


def test_create_is_refused_when_an_unmanaged_preference_has_the_same_natural_key(world):
    other = _unmanaged(world, "ACME-EMEA")
    world.write()
    result = world.apply("--auto-approve")
    assert result.code == 1
    assert f"adopt it with `coupa-gitops import acme-emea --arn {other}`" in result.err
    assert len(world.summaries()) == 1


def test_import_adopts_an_unmanaged_preference_with_the_same_natural_key(world):
    other = _unmanaged(world, "ACME-EMEA")
    world.write()
    result = world.cli("import", "acme-emea", "--arn", other, "--config", str(world.config))
    assert result.code == 0, result.err
    assert f"imported {other} as acme-emea" in result.out
    assert world.tags(other)["coupa-gitops:name"] == "acme-emea"
    plan = world.plan()
    assert "acme-emea: update" in plan.out
    assert "create" not in plan.out.split("\n", 1)[1]
    assert "Unmanaged" not in plan.out


def test_apply_after_import_converges_on_the_adopted_preference(world):
    other = _unmanaged(world, "ACME-EMEA")
    world.write()
    assert world.cli("import", "acme-emea", "--arn", other, "--config", str(world.config)).code == 0
    assert world.apply("--auto-approve").code == 0
    assert [s["ProcurementPortalPreferenceArn"] for s in world.summaries()] == [other]
    assert world.plan("--detailed-exitcode").code == 0


def test_import_refuses_a_preference_with_another_buyer(world):
    other = _unmanaged(world, "OTHER-CO")
    world.write()
    result = world.cli("import", "acme-emea", "--arn", other, "--config", str(world.config))
    assert result.code == 1
    assert "is for buyer OTHER-CO and supplier AWS-MARKETPLACE" in result.err
    assert "it is not the same integration" in result.err
    assert world.tags(other) == {"owner": "console"}


def test_import_refuses_an_arn_that_does_not_exist(world):
    world.write()
    arn = "arn:aws:invoicing::123456789012:procurement-portal-preference/nope"
    result = world.cli("import", "acme-emea", "--arn", arn, "--config", str(world.config))
    assert result.code == 1
    assert f"{arn} is not a procurement portal preference of account 123456789012" in result.err


def test_a_plan_file_made_with_changed_since_can_be_applied(world, tmp_path):
    import git

    repo = git.Repo.init(world.tmp_path)
    actor = git.Actor("t", "t@example.com")
    files = [world.write("acme-emea"), world.write("acme-apac", buyer="ACME-APAC")]
    repo.index.add([str(f) for f in files])
    repo.index.commit("two integrations", author=actor, committer=actor)
    assert world.apply("--auto-approve").code == 0
    repo.index.add([str(world.write("acme-apac", buyer="ACME-APAC", email="ap@acme.example"))])
    repo.index.commit("new contact", author=actor, committer=actor)
    out = tmp_path / "plan.json"
    assert world.plan("--changed-since", "HEAD~1", "--out", str(out)).code == 0
    result = world.apply("--plan", str(out))
    assert result.code == 0, result.err
    assert world.live("acme-apac")["Contacts"][0]["Email"] == "ap@acme.example"


def test_a_plan_file_is_stale_when_a_file_was_added_since(world, tmp_path):
    world.write("acme-emea", email="ap@acme.example")
    out = tmp_path / "plan.json"
    assert world.plan("--out", str(out)).code == 0
    world.write("acme-apac", buyer="ACME-APAC")
    result = world.apply("--plan", str(out))
    assert result.code == 1
    assert "the plan is stale" in result.err
    assert world.summaries() == []
