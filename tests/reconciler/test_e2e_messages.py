"""What apply and plan say about approved-but-waiting and suspended integrations."""

from __future__ import annotations

WAITING = "Approved, but waits for validation and a connection test again"


def _live(world) -> None:
    world.write()
    assert world.apply("--auto-approve").code == 0
    world.make_ready()
    world.write(mode="live")
    assert world.apply("--auto-approve", "--allow-go-live").code == 0


def test_an_approved_secret_rotation_says_it_waits_for_validation_not_for_approval(
    world, monkeypatch
):
    _live(world)
    monkeypatch.setenv("ACME_COUPA_SECRET", "CANARY-7f3a9-rotated")
    result = world.apply("--auto-approve", "--allow-go-live")
    assert result.code == 0, result.err
    assert f"{WAITING}" in result.out
    assert "Pending go-live" not in result.out


def test_an_approved_new_live_integration_says_it_waits_for_validation(world):
    world.write(mode="live")
    result = world.apply("--auto-approve", "--allow-go-live")
    assert result.code == 0, result.err
    assert f"{WAITING}" in result.out
    assert "Pending go-live" not in result.out


def _suspended(world) -> None:
    _live(world)
    world.write(mode="suspended")
    assert world.apply("--auto-approve", "--allow-go-live").code == 0


def test_a_suspended_integration_whose_secret_rotates_is_not_said_to_have_never_gone_live(
    world, monkeypatch
):
    _suspended(world)
    monkeypatch.setenv("ACME_COUPA_SECRET", "CANARY-7f3a9-rotated")
    for result in (world.plan(), world.apply("--auto-approve", "--allow-go-live"), world.status()):
        assert "never went live" not in result.both, result.both


def test_replacing_a_suspended_integration_is_not_said_to_have_never_gone_live(world):
    _suspended(world)
    world.write(mode="suspended", buyer="ACME-EMEA-NEW")  # an immutable field: replace
    plan = world.plan()
    assert "never went live" not in plan.both, plan.out
    assert "is suspended: its replacement is a new preference in test mode" in plan.out
