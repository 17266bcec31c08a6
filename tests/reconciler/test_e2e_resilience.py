"""Faults, interruptions and scale: a re-run always converges and never duplicates."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from controller.apply import Applier, Options, gate
from controller.commands import Session, load_scope
from controller.live import Target


def _names(world) -> list[str]:
    return sorted(
        world.tags(s["ProcurementPortalPreferenceArn"])["coupa-gitops:name"]
        for s in world.summaries()
    )


def _write_many(world, count: int) -> list[str]:
    names = [f"acme-{i:03d}" for i in range(count)]
    for i, name in enumerate(names):
        world.write(name, buyer=f"ACME-{i:03d}")
    return names


def test_apply_converges_with_20_percent_throttling_and_5xx(world):
    names = _write_many(world, 4)
    # With seed 108 the sandbox fails 4 of the first 9 calls: 5xx, throttling, 5xx, 5xx.
    world.control.set_faults(throttle_rate=0.1, fault_rate=0.1, seed=108)
    world.control.reset_call_counts()
    result = world.apply("--auto-approve")
    assert result.code == 0, result.err
    world.control.set_faults(throttle_rate=0.0, fault_rate=0.0)
    # Without faults: one List, then one Create and one Get per integration.
    assert sum(world.control.call_counts().values()) > 1 + 2 * len(names)
    assert _names(world) == names
    assert world.plan("--detailed-exitcode").code == 0


def test_plan_reads_through_20_percent_faults(world):
    _write_many(world, 4)
    assert world.apply("--auto-approve").code == 0
    world.control.set_faults(throttle_rate=0.1, fault_rate=0.1, seed=108)
    world.control.reset_call_counts()
    result = world.plan("--detailed-exitcode")
    assert result.code == 0, result.err
    # Without faults: one List, then one ListTagsForResource and one Get per preference.
    assert sum(world.control.call_counts().values()) > 1 + 2 * 4


def test_apply_that_fails_midway_says_what_was_done_and_what_was_not(world):
    world.write("acme-a", buyer="ACME-A")
    world.write("acme-b", buyer="ACME-B", secret_env="BETA_COUPA_SECRET")
    result = world.apply("--auto-approve")
    assert result.code == 1
    assert "apply stopped: acme-b: create: secret env:BETA_COUPA_SECRET" in result.err
    assert "  done:     acme-a: create: created arn:aws:invoicing::" in result.err
    assert "  not done: acme-b: create" in result.err
    assert _names(world) == ["acme-a"]


def test_rerun_after_a_midway_failure_converges(world, monkeypatch):
    world.write("acme-a", buyer="ACME-A")
    world.write("acme-b", buyer="ACME-B", secret_env="BETA_COUPA_SECRET")
    assert world.apply("--auto-approve").code == 1
    monkeypatch.setenv("BETA_COUPA_SECRET", "CANARY-7f3a9-beta")
    assert world.apply("--auto-approve").code == 0
    assert _names(world) == ["acme-a", "acme-b"]
    assert world.plan("--detailed-exitcode").code == 0


def test_apply_killed_after_its_first_write_converges_on_rerun_without_duplicates(world):
    names = _write_many(world, 4)
    world.control.set_faults(latency_ms=300)
    proc = subprocess.Popen(
        [sys.executable, "-m", "controller.cli", "apply", str(world.config), "--auto-approve"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=world.tmp_path,
        env=os.environ.copy(),
    )
    try:
        deadline = time.monotonic() + 60
        while world.control.call_counts().get("CreateProcurementPortalPreference", 0) < 2:
            assert proc.poll() is None, "apply ended before it could be killed"
            assert time.monotonic() < deadline, "apply made no second create in 60 s"
            time.sleep(0.02)
        proc.kill()
    finally:
        out, err = proc.communicate(timeout=30)
        world.transcript["killed apply:stdout"], world.transcript["killed apply:stderr"] = out, err
    time.sleep(0.7)  # let the in-flight request finish on the server
    world.control.set_faults(latency_ms=0)
    assert 1 <= len(world.summaries()) < len(names)
    result = world.apply("--auto-approve")
    assert result.code == 0, result.err
    assert _names(world) == names
    assert world.plan("--detailed-exitcode").code == 0


def test_running_the_same_create_twice_reuses_its_client_token_and_creates_one(world):
    world.write()
    scope = load_scope([str(world.config)])
    session = Session()
    plan = session.plan(scope, None)
    applier = Applier(
        session.clients.call, Target.of, session.secrets, {i.name: i for i in scope.items}, None
    )
    first = applier.run(gate(plan, Options()), lambda line: None)
    second = applier.run(gate(plan, Options()), lambda line: None)
    assert first.done == second.done
    assert len(world.summaries()) == 1


def test_replaying_a_plan_file_after_it_was_applied_creates_nothing_new(world, tmp_path):
    world.write()
    out = tmp_path / "plan.json"
    assert world.plan("--out", str(out)).code == 0
    assert world.apply("--plan", str(out)).code == 0
    assert world.apply("--plan", str(out)).code == 0
    assert len(world.summaries()) == 1


@pytest.mark.slow
def test_150_integrations_are_created_across_pages_without_duplicates(world):
    names = _write_many(world, 150)
    first = world.apply("--auto-approve")
    assert first.code == 0, first.err
    assert "Apply complete: 150 change(s) done." in first.out
    second = world.apply("--auto-approve")
    assert second.code == 0
    assert second.out.startswith("No changes. 150 integration(s) match AWS.")
    assert _names(world) == names


@pytest.mark.slow
def test_steady_state_plan_of_150_reads_each_preference_once_plus_two_list_pages(world):
    _write_many(world, 150)
    assert world.apply("--auto-approve").code == 0
    world.control.reset_call_counts()
    assert world.plan("--detailed-exitcode").code == 0
    assert world.control.call_counts() == {
        "ListProcurementPortalPreferences": 2,
        "ListTagsForResource": 150,
        "GetProcurementPortalPreference": 150,
    }
