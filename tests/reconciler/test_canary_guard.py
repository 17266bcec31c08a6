"""The canary guard itself: it must catch a leak, or the e2e canary checks prove nothing."""

from __future__ import annotations

from .helpers import CANARY, SECRETS, canary_leaks


def test_every_planted_secret_carries_the_canary():
    assert all(CANARY in value for value in SECRETS.values())


def test_guard_finds_the_canary_in_captured_output():
    leaks = canary_leaks({"stdout": "ok\nsecret is CANARY-7f3a9-prod-secret\n"})
    assert leaks == ["stdout: secret is CANARY-7f3a9-prod-secret"]


def test_guard_finds_the_canary_in_a_file(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "plan.json").write_text('{"x": "CANARY-7f3a9-test-secret"}')
    assert canary_leaks({}, tmp_path) == [f"file {tmp_path / 'sub' / 'plan.json'}"]


def test_guard_ignores_github_mask_commands():
    assert canary_leaks({"stderr": "::add-mask::CANARY-7f3a9-prod-secret\n"}) == []


def test_guard_is_quiet_when_nothing_leaked(tmp_path):
    (tmp_path / "plan.json").write_text("{}")
    assert canary_leaks({"stdout": "Plan: 1 to create"}, tmp_path) == []
