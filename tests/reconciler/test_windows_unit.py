"""Change windows in the plan value, the gate, the reviewer's view and the go-live record."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from controller import render
from controller.config.calendar import Deny, Window
from controller.engine.audit import Override, Record, check_reason, record, tag_value
from controller.engine.plan import Plan
from controller.engine.requirements import Options, gate
from controller.engine.reviewer import display_name
from controller.errors import BlockedError, UserError
from controller.providers.aws.planner import make_plan
from controller.providers.aws.state import TEST_INITIALIZED, Observed

from .builders import desired, item, live

BERLIN = ZoneInfo("Europe/Berlin")
INSIDE = datetime(2027, 1, 31, 12, tzinfo=BERLIN)
OUTSIDE = datetime(2027, 2, 15, 12, tzinfo=BERLIN)
CLOSE = Window(
    "month-end close",
    Deny.GO_LIVE,
    "0 0 L * *",
    timedelta(hours=96),
    "Europe/Berlin",
    override_allowed=True,
    source="config/windows.yaml:7",
)
FREEZE = Window("year-end", Deny.ALL, "0 0 27 12 *", timedelta(days=8), "Europe/Berlin")
READY = (TEST_INITIALIZED, TEST_INITIALIZED)


def going_live(now: datetime, windows=(CLOSE,), activation: str = "2020-01-01") -> Plan:
    it = item("acme-emea", mode="live", activation=activation)
    before = item("acme-emea", activation=activation)
    return make_plan(
        [desired(it)],
        Observed((live(before, READY),)),
        today=now.date(),
        now=now,
        windows=windows,
        commit="c0ffee",
    )


def routine(now: datetime, windows) -> Plan:
    it = item("acme-emea", email="ap@acme.example")
    return make_plan(
        [desired(it)],
        Observed((live(item("acme-emea")),)),
        today=now.date(),
        now=now,
        windows=windows,
    )


def test_inside_a_window_the_go_live_carries_the_window_and_when_it_may_go():
    (change,) = going_live(INSIDE).go_live
    (held,) = change.windows
    assert (held.name, held.deny, held.override_allowed) == ("month-end close", "go-live", True)
    assert held.ends_at == "2027-02-04T00:00:00+01:00"
    assert held.timezone == "Europe/Berlin"
    assert change.allowed_from == "2027-02-04T00:00:00+01:00"


def test_outside_a_window_the_go_live_carries_none():
    (change,) = going_live(OUTSIDE).go_live
    assert change.windows == () and change.allowed_from is None


def test_a_go_live_window_lets_routine_changes_through_and_a_deny_all_window_does_not():
    assert routine(INSIDE, [CLOSE]).routine[0].windows == ()
    (change,) = routine(datetime(2027, 12, 30, tzinfo=BERLIN), [FREEZE]).routine
    (held,) = change.windows
    assert held.deny == "all"
    assert "“year-end” (no changes at all) until 2028-01-04 00:00 CET" in render.text(
        routine(datetime(2027, 12, 30, tzinfo=BERLIN), [FREEZE])
    )
    with pytest.raises(BlockedError, match="it cannot be overridden"):
        gate(routine(datetime(2027, 12, 30, tzinfo=BERLIN), [FREEZE]), Options())


def test_the_plan_says_when_windows_were_evaluated_and_keeps_them_through_a_plan_file():
    plan = going_live(INSIDE)
    assert plan.at == "2027-01-31T11:00:00+00:00"
    assert Plan.from_dict(plan.to_dict()) == plan


def test_a_saved_plan_made_outside_a_window_compares_equal_inside_it():
    # apply re-plans at its own clock and gates on that; the verdict is not part of the match
    assert going_live(INSIDE).comparable() == going_live(OUTSIDE).comparable()


def test_gate_blocks_a_go_live_inside_a_window_naming_it_and_its_end():
    with pytest.raises(BlockedError) as caught:
        gate(going_live(INSIDE), Options(allow_go_live=True))
    assert str(caught.value) == (
        "held back by a change window, nothing was changed:\n"
        "  acme-emea: mode test -> live: Held back by the change window “month-end close” (no "
        "go-live changes) until 2027-02-04 00:00 CET; an emergency override is allowed, on the "
        "record. It may go ahead from 2027-02-04 00:00 CET. In an emergency: --override-window "
        "'month-end close' --reason TEXT."
    )


def test_gate_lets_a_named_override_through_a_window_that_allows_it():
    gated = gate(
        going_live(INSIDE), Options(allow_go_live=True, override_windows=("month-end close",))
    )
    (change,) = gated.runnable
    assert gated.overrides_of(change) == ("month-end close",)


def test_nothing_overrides_a_window_without_override_allowed():
    strict = Window("audit", Deny.GO_LIVE, "0 0 L * *", timedelta(hours=96), "Europe/Berlin")
    with pytest.raises(BlockedError, match="does not say `override: allowed`"):
        gate(
            going_live(INSIDE, (strict,)),
            Options(allow_go_live=True, override_windows=("audit",)),
        )


def test_an_override_without_allow_go_live_overrides_nothing():
    with pytest.raises(BlockedError) as caught:
        gate(going_live(INSIDE), Options(override_windows=("month-end close",)))
    assert "go-live changes run only with --allow-go-live" in str(caught.value)
    assert "held back by a change window" in str(caught.value)


# --- the reviewer's view ---


def test_the_go_live_sentence_says_what_starts_where_and_from_when():
    (change,) = going_live(OUTSIDE, activation="2027-03-01").go_live
    assert change.sentence == (
        "Acme EMEA starts live purchase orders and e-invoices from AWS Marketplace in Coupa "
        "acme.coupahost.com on 2027-03-01."
    )
    (now,) = going_live(OUTSIDE).go_live
    assert now.sentence.endswith(
        "as soon as the go-live is approved (e-invoice activation date 2020-01-01)."
    )


def test_display_names_keep_region_acronyms():
    assert display_name("acme-emea") == "Acme EMEA"
    assert display_name("globex-us") == "Globex US"


def test_markdown_orders_each_go_live_sentence_readiness_windows_details():
    text = render.markdown(going_live(INSIDE))
    order = [
        text.index("**Acme EMEA starts live purchase orders"),
        text.index("Readiness checks (READY):"),
        text.index("**Change windows** (as of 2027-01-31 11:00 UTC)"),
        text.index("- :no_entry: Held back by the change window “month-end close”"),
        text.index("- It may go ahead from 2027-02-04 00:00 CET."),
        text.index("<details><summary><code>* acme-emea: mode test -&gt; live</code>"),
    ]
    assert order == sorted(order)


def test_text_shows_the_window_and_when_the_change_may_go():
    text = render.text(going_live(INSIDE))
    assert "      WINDOW: Held back by the change window “month-end close”" in text
    assert "      It may go ahead from 2027-02-04 00:00 CET." in text
    assert "note: change windows as of 2027-01-31 11:00 UTC" in text


# --- the record ---


def test_the_record_names_the_actor_the_run_and_the_override_within_tag_rules():
    env = {
        "GITHUB_ACTOR": "ann",
        "GITHUB_TRIGGERING_ACTOR": "bob",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/procurement",
        "GITHUB_RUN_ID": "42",
    }
    rec = record(env, INSIDE, "c0ffee", (Override("month-end close", "PO backlog " * 30),))
    tags = rec.tags(("month-end close",))
    assert tags["coupa-gitops:go-live-by"] == "ann / re-run by bob"
    assert tags["coupa-gitops:go-live-at"] == "2027-01-31T11:00:00Z"
    assert tags["coupa-gitops:go-live-run"] == "https://github.com/acme/procurement/actions/runs/42"
    override = tags["coupa-gitops:override"]
    assert override.startswith("month-end close by ann at 2027-01-31T11:00:00Z: PO backlog")
    assert len(override) == 256
    assert all(re.fullmatch(r"[\w .:/=+\-@]*", v) for v in tags.values())
    assert "override" not in " ".join(rec.tags(()))  # a change that overrode nothing


def test_outside_github_actions_the_record_says_so():
    assert record({}, INSIDE, None, ()).actor == "unknown (not run by GitHub Actions)"


def test_tag_values_keep_letters_of_any_language_and_replace_the_rest():
    assert tag_value("Müller: #42 (urgent)") == "Müller: _42 _urgent_"


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        (None, "--override-window needs --reason TEXT"),
        ("   ", "--override-window needs --reason TEXT"),
        ("x" * 201, "--reason is 201 characters; the limit is 200"),
        ("ticket #42", "remove '#'"),
    ],
)
def test_a_bad_reason_is_refused_saying_what_is_allowed(reason, message):
    with pytest.raises(UserError, match=re.escape(message)):
        check_reason(reason)


def test_the_record_markdown_is_honest_about_who_approved():
    text = Record("ann", "2027-01-31T11:00:00Z", "c0ffee").markdown()
    assert "not the environment's reviewer" in text
