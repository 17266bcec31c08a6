"""Change windows end to end: a blocked go-live, and an overridden one on the record.

apply reads the real clock (nothing moves it), so each test writes a window that opened at
the current minute and lasts two hours: the go-live is inside it whenever the test runs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

STATUSES = ("EinvoiceDeliveryPreferenceStatus", "PurchaseOrderRetrievalPreferenceStatus")
WINDOW = "month-end close"


def _statuses(world) -> tuple[str, str]:
    doc = world.live("acme-emea")
    return tuple(doc.get(key) for key in STATUSES)


def _open_window(world, *, override: bool) -> datetime:
    """A deny window open from this minute for 2 hours; returns when it ends."""
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    (world.config / "windows.yaml").write_text(
        "apiVersion: coupa-gitops/v1\n"
        "kind: ChangeWindows\n"
        "metadata: {name: finance-calendar}\n"
        "spec:\n"
        "  timezone: UTC\n"
        "  windows:\n"
        f"    - name: {WINDOW}\n"
        "      deny: go-live\n"
        f'      schedule: "{start.minute} {start.hour} * * *"\n'
        "      duration: 2h\n"
        '      integrations: ["acme-*"]\n' + ("      override: allowed\n" if override else ""),
        encoding="utf-8",
    )
    return start + timedelta(hours=2)


def _ready_to_go_live(world) -> None:
    world.write()
    assert world.apply("--auto-approve").code == 0
    world.make_ready()
    world.write(mode="live")


def test_a_go_live_inside_a_deny_window_is_blocked_naming_the_window_and_its_end(world):
    _ready_to_go_live(world)
    ends = _open_window(world, override=False)
    until = ends.strftime("%Y-%m-%d %H:%M UTC")
    result = world.apply("--auto-approve", "--allow-go-live")
    assert result.code == 3, result.err
    assert result.err.startswith("blocked: held back by a change window, nothing was changed:")
    assert (
        f"acme-emea: mode test -> live: Held back by the change window “{WINDOW}” (no go-live "
        f"changes) until {until}; it cannot be overridden. It may go ahead from {until}."
    ) in result.err
    assert _statuses(world) == ("TEST_INITIALIZED", "TEST_INITIALIZED")
    # nothing overrides a window without `override: allowed`
    forced = world.apply(
        "--auto-approve", "--allow-go-live", "--override-window", WINDOW, "--reason", "urgent"
    )
    assert forced.code == 3
    assert "does not say `override: allowed`" in forced.err
    assert _statuses(world) == ("TEST_INITIALIZED", "TEST_INITIALIZED")


def test_plan_shows_the_window_and_plan_at_answers_could_it_go_live_then(world):
    _ready_to_go_live(world)
    ends = _open_window(world, override=False)
    now = world.plan("--format", "markdown")
    assert now.code == 0
    assert f"- :no_entry: Held back by the change window “{WINDOW}”" in now.out
    assert f"- It may go ahead from {ends.strftime('%Y-%m-%d %H:%M UTC')}." in now.out
    later = world.plan("--format", "markdown", "--at", (ends + timedelta(minutes=1)).isoformat())
    assert later.code == 0
    assert "- :white_check_mark: No change window holds it back." in later.out
    assert "Held back" not in later.out
    saved = world.plan("--at", ends.isoformat(), "--out", str(world.tmp_path / "p.json"))
    assert saved.code == 1
    assert "--at is a what-if for planning: it cannot be saved with --out" in saved.err


def test_an_overridden_go_live_proceeds_and_is_on_the_record(world, monkeypatch):
    _ready_to_go_live(world)
    _open_window(world, override=True)
    summary = world.tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_ACTOR", "ann")
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/procurement")
    monkeypatch.setenv("GITHUB_RUN_ID", "42")
    before = datetime.now(UTC).replace(microsecond=0)
    result = world.apply(
        "--auto-approve",
        "--allow-go-live",
        "--step-summary",
        "--override-window",
        WINDOW,
        "--reason",
        "PO backlog: approved by CFO in INC-4711",
    )
    assert result.code == 0, result.err
    assert _statuses(world) == ("ACTIVE", "ACTIVE")
    tags = world.tags(world.arn_of("acme-emea"))
    at = tags["coupa-gitops:go-live-at"]
    assert before <= datetime.fromisoformat(at) <= datetime.now(UTC)
    assert tags["coupa-gitops:go-live-by"] == "ann"
    assert tags["coupa-gitops:go-live-run"] == "https://github.com/acme/procurement/actions/runs/42"
    assert tags["coupa-gitops:override"] == (
        f"{WINDOW} by ann at {at}: PO backlog: approved by CFO in INC-4711"
    )
    text = summary.read_text(encoding="utf-8")
    assert "- Acme EMEA starts live purchase orders and e-invoices from AWS Marketplace in " in text
    assert "#### Record of this go-live" in text
    assert f"- :rotating_light: override of “{WINDOW}”: PO backlog" in text
    status = world.status()
    assert f"acme-emea: last go-live {at} by ann at commit -" in status.out
    assert f"last window override: {WINDOW} by ann" in status.out


def test_an_override_needs_a_known_window_and_a_reason(world):
    _ready_to_go_live(world)
    _open_window(world, override=True)
    typo = world.apply(
        "--auto-approve", "--allow-go-live", "--override-window", "month end", "--reason", "x"
    )
    assert typo.code == 1
    assert (
        "--override-window 'month end' is not a change window (known: 'month-end close'); "
        "did you mean 'month-end close'?"
    ) in typo.err
    bare = world.apply("--auto-approve", "--allow-go-live", "--override-window", WINDOW)
    assert bare.code == 1
    assert "--override-window needs --reason TEXT" in bare.err
    assert _statuses(world) == ("TEST_INITIALIZED", "TEST_INITIALIZED")
