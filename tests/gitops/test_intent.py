"""`coupa-gitops intent`: what a change asks for, from git alone, in real repositories."""

from __future__ import annotations

import json
import sys

import pytest

from controller import cli
from controller.gitops import intent, intent_render

from .conftest import ACME, GLOBEX, GitRepo


def _intent(base: str = "HEAD") -> intent.Intent:
    return intent.compute(base, ["config/"])


def _only(result: intent.Intent) -> intent.IntegrationIntent:
    assert len(result.integrations) == 1, result.integrations
    return result.integrations[0]


def test_no_change(gitrepo: GitRepo) -> None:
    result = _intent()
    assert result.integrations == ()
    assert not result.go_live
    assert "No integration changes" in intent_render.render_markdown(result)


def test_test_to_live_is_go_live(gitrepo: GitRepo) -> None:
    base = gitrepo.repo.head.commit.hexsha
    gitrepo.replace(ACME, "mode: test", "mode: live")
    gitrepo.commit("acme goes live")
    item = _only(_intent(base))
    assert (item.name, item.kind, item.gate) == ("acme-emea", "edit", "go-live")
    assert (item.mode_before, item.mode_after) == ("test", "live")
    assert item.reasons == ("goes live: real purchase orders and e-invoices start to flow",)
    assert [(f.path, f.before, f.after) for f in item.fields] == [("spec.mode", "test", "live")]


@pytest.mark.parametrize(
    ("before", "after", "reason"),
    [
        ("live", "suspended", "suspends a live integration"),
        ("suspended", "live", "resumes a suspended integration"),
    ],
)
def test_live_suspended_both_ways_is_go_live(gitrepo: GitRepo, before, after, reason) -> None:
    if before != "live":
        gitrepo.replace(GLOBEX, "mode: live", f"mode: {before}")
        gitrepo.commit()
    gitrepo.replace(GLOBEX, f"mode: {before}", f"mode: {after}")
    item = _only(_intent())
    assert item.gate == "go-live"
    assert item.reasons[0].startswith(reason)


def test_removing_a_live_integration_is_go_live(gitrepo: GitRepo) -> None:
    gitrepo.repo.git.rm("-q", GLOBEX)
    item = _only(_intent())
    assert (item.name, item.kind, item.gate, item.mode_before) == (
        "globex-us",
        "remove",
        "go-live",
        "live",
    )
    assert item.reasons == (
        "removes an integration that is live: real purchasing and invoicing through it end",
    )
    assert (item.file_before, item.file_after, item.valid_after) == (GLOBEX, None, None)


def test_removing_a_test_integration_is_routine(gitrepo: GitRepo) -> None:
    (gitrepo.path / ACME).unlink()
    item = _only(_intent())
    assert (item.name, item.kind, item.gate, item.reasons) == ("acme-emea", "remove", "routine", ())


def test_adding_in_test_mode_is_routine_and_in_live_mode_go_live(gitrepo: GitRepo) -> None:
    text = gitrepo.read(ACME).replace("name: acme-emea", "name: newco")
    gitrepo.write("config/integrations/newco.yaml", text)
    gitrepo.write(
        "config/integrations/hotco.yaml",
        text.replace("name: newco", "name: hotco").replace("mode: test", "mode: live"),
    )
    result = _intent()
    assert [(i.name, i.kind, i.gate) for i in result.integrations] == [
        ("hotco", "add", "go-live"),  # go-live first
        ("newco", "add", "routine"),
    ]
    assert all(i.valid_after for i in result.integrations)


def test_any_edit_of_a_live_integration_is_go_live(gitrepo: GitRepo) -> None:
    gitrepo.replace(GLOBEX, "name: Finance Systems,", "name: Finance Operations,")
    item = _only(_intent())
    assert (item.gate, [f.path for f in item.fields]) == ("go-live", ["spec.contact.name"])
    assert item.reasons == (
        "changes an integration that is live: every change to a live or suspended integration "
        "needs approval",
    )


def test_test_integration_production_edit_is_routine(gitrepo: GitRepo) -> None:
    gitrepo.replace(ACME, "identity: ACME-EMEA}", "identity: ACME-EU}")
    assert _only(_intent()).gate == "routine"


def test_renamed_file_with_same_content_asks_for_nothing(gitrepo: GitRepo) -> None:
    gitrepo.repo.git.mv(ACME, "config/integrations/acme.yaml")
    assert _intent().integrations == ()


def test_renamed_integration_is_a_removal_and_an_addition(gitrepo: GitRepo) -> None:
    gitrepo.replace(GLOBEX, "name: globex-us", "name: globex-na")
    result = _intent()
    assert [(i.name, i.kind, i.gate) for i in result.integrations] == [
        ("globex-na", "add", "go-live"),  # added directly in live mode
        ("globex-us", "remove", "go-live"),  # a live integration removed
    ]


def test_invalid_at_base_does_not_crash(gitrepo: GitRepo) -> None:
    gitrepo.write("config/integrations/broken.yaml", "metadata: {name: broken\nspec: [\n")
    base = gitrepo.commit("broken")
    fixed = gitrepo.read(ACME).replace("acme-emea", "fixed")
    gitrepo.write("config/integrations/broken.yaml", fixed)
    item = _only(_intent(base))
    # Unreadable at base, so its fields there are unknown: the file pairs with itself, and
    # since its mode at base is unknown too, the change is treated as go-live.
    assert (item.name, item.kind, item.gate) == ("fixed", "edit", "go-live")
    assert (item.mode_before, item.mode_after, item.fields) == (None, "test", ())
    assert item.valid_after is True


def test_unparseable_at_base_edit_is_treated_as_go_live(gitrepo: GitRepo) -> None:
    gitrepo.write("config/integrations/x.yaml", "metadata: [\n")
    base = gitrepo.commit("unparseable")
    gitrepo.write("config/integrations/x.yaml", "metadata: {name: x\n")  # still unparseable
    item = _only(_intent(base))
    assert item.name is None and item.gate == "go-live"
    assert item.reasons == (
        "the live mode cannot be told (its signals disagree or its mode tag is missing), so the "
        "change counts as go-live",
        "the wanted mode cannot be read from the file, so the change counts as go-live",
    )
    assert item.label == "(unnamed: config/integrations/x.yaml)"


def test_schema_invalid_but_parseable_head_is_flagged(gitrepo: GitRepo) -> None:
    gitrepo.replace(ACME, "mode: test", "mode: live\n  colour: blue")
    result = _intent()
    item = _only(result)
    assert item.valid_after is False and item.gate == "go-live"
    assert any("does not validate" in n for n in result.notes)


def test_literal_secret_is_never_echoed(gitrepo: GitRepo) -> None:
    gitrepo.replace(GLOBEX, "{env: GLOBEX_COUPA_SECRET}", "hunter2-canary")
    result = _intent()
    for render in intent_render.RENDERERS.values():
        assert "hunter2-canary" not in render(result)
    (field,) = _only(result).fields
    assert field.after == intent.REDACTED


def test_widening_is_noted(gitrepo: GitRepo) -> None:
    gitrepo.write("schemas/coupa-integration.v1.json", '{"x": 1}\n')
    result = _intent()
    assert result.widen_to_all and result.integrations == ()
    assert any("covers every integration" in n for n in result.notes)


def test_markdown_for_a_pull_request_comment(gitrepo: GitRepo) -> None:
    gitrepo.replace(ACME, "mode: test", "mode: live")
    gitrepo.replace(GLOBEX, "name: Finance Systems,", "name: Finance Ops,")
    text = intent_render.render_markdown(_intent())
    assert text.startswith("## coupa-gitops intent\n\n**2 go-live changes**")
    assert "### Go-live" in text and "### Routine" not in text
    assert "| `acme-emea` | edit | `test` → `live` |" in text
    assert "<details><summary><b>globex-us</b>: 1 field changed</summary>" in text
    assert '| `spec.contact.name` | `"Finance Systems"` | `"Finance Ops"` |' in text


def test_markdown_neutralises_untrusted_text() -> None:
    assert intent_render._code("a|b") == "`a\\|b`"
    assert intent_render._code("x`y") == "``x`y``"
    assert intent_render._code("`") == "`` ` ``"
    assert intent_render._html("<img src=x> @everyone") == "&lt;img src=x&gt; &#64;everyone"


def test_markdown_stays_within_its_budget(gitrepo: GitRepo) -> None:
    text = gitrepo.read(ACME)
    for n in range(60):
        gitrepo.write(
            f"config/integrations/co-{n:02}.yaml", text.replace("acme-emea", f"co-{n:02}")
        )
    gitrepo.commit("sixty")
    for n in range(60):
        gitrepo.replace(f"config/integrations/co-{n:02}.yaml", "Procurement Ops", "P" * 100)
    out = intent_render.render_markdown(_intent(), budget=4000)
    assert len(out) < 5000
    assert "left out to fit a comment" in out


def test_cli_json(gitrepo: GitRepo, capsys) -> None:
    gitrepo.replace(ACME, "mode: test", "mode: live")
    assert cli.main(["intent", "--base", "HEAD", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["format_version"] == "1"
    assert doc["go_live"] is True
    assert doc["counts"] == {"add": 0, "edit": 1, "remove": 0, "go-live": 1, "routine": 0}
    (item,) = doc["integrations"]
    assert item["mode"] == {"before": "test", "after": "live"}
    assert item["file"] == {"before": ACME, "after": ACME}


def test_cli_text(gitrepo: GitRepo, capsys) -> None:
    gitrepo.repo.git.rm("-q", GLOBEX)
    assert cli.main(["intent", "--base", "HEAD"]) == 0
    out = capsys.readouterr().out
    assert "  go-live  remove  globex-us  mode live" in out
    assert out.rstrip().endswith(
        "1 integration change: 0 added, 0 edited, 1 removed; 1 go-live, 0 routine"
    )


def test_intent_needs_no_aws(gitrepo: GitRepo) -> None:
    # Run in a fresh interpreter: computing an intent must not import boto3 or botocore.
    import subprocess

    code = (
        "import sys; from controller.gitops import intent; "
        "intent.compute('HEAD', ['config/']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
