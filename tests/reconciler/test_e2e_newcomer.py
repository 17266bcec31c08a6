"""The newcomer's path: a blocked create says what to run, PATHS everywhere, status as JSON."""

from __future__ import annotations

import json

from .helpers import unmanaged_request


def _unmanaged(world, buyer: str) -> str:
    reply = world.client().create_procurement_portal_preference(**unmanaged_request(buyer))
    return reply["ProcurementPortalPreferenceArn"]


def test_plan_marks_a_create_apply_would_refuse_as_blocked_with_the_import_command(world):
    other = _unmanaged(world, "ACME-EMEA")
    world.write()
    plan = world.plan()
    assert (
        f"BLOCKED: unmanaged preference {other} already has this portal, buyer and supplier; "
        f"adopt it with `coupa-gitops import acme-emea --arn {other}`"
    ) in plan.out


def test_markdown_plan_marks_the_refused_create_as_blocked_too(world):
    other = _unmanaged(world, "ACME-EMEA")
    world.write()
    markdown = world.plan("--format", "markdown").out
    assert f":no_entry: **blocked**: unmanaged preference {other}" in markdown
    assert f"`coupa-gitops import acme-emea --arn {other}`" in markdown


def test_verify_endpoint_takes_paths_like_every_other_command(world):
    world.write()
    assert world.apply("--auto-approve").code == 0
    sent = world.cli("verify-endpoint", "acme-emea", str(world.config))
    assert sent.code == 0, sent.err
    assert "Validation code sent for acme-emea" in sent.out


def test_import_takes_paths_like_every_other_command(world):
    other = _unmanaged(world, "ACME-EMEA")
    world.write()
    result = world.cli("import", "acme-emea", str(world.config), "--arn", other)
    assert result.code == 0, result.err
    assert world.tags(other)["coupa-gitops:name"] == "acme-emea"


def test_status_format_json_has_a_row_per_integration_and_the_unmanaged(world):
    other = _unmanaged(world, "OTHER-CO")
    world.write()
    assert world.apply("--auto-approve").code == 0
    result = world.cli("status", str(world.config), "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    (row,) = doc["integrations"]
    assert row["name"] == "acme-emea" and row["wanted"] == "test" and row["live"] == "test"
    assert row["einvoice"] == "PENDING_VERIFICATION" and row["drift"] is False
    assert row["arn"].startswith("arn:aws:invoicing::")
    assert [u["arn"] for u in doc["unmanaged"]] == [other]
