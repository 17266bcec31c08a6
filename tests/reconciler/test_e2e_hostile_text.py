"""Hostile text, fixed at both ends: validate rejects it, and every output escapes for its medium.

The corpus goes through validate (config values, keys, file names), and, for values that pass
validation or come from AWS (tag values read back from the sandbox, an orphan's name tag, an
unmanaged preference's buyer identity), through plan (text, markdown, json), intent, status,
apply and the GitHub outputs (annotations, step summary).
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from controller import config, escape
from controller.config import ConfigError
from controller.gitops import intent, intent_render

from .helpers import integration_yaml, unmanaged_request

HOSTILE = [
    "x\n::warning::pwned",
    "a\rb",
    "a\u2028b",
    "a\u0085b",
    "\x1b[31mred",
    "```",
    "<!-- hidden",
    "### heading",
    "@org/team",
    "[link](http://x)",
    "a|b",
    "`tick`",
    "nul\x00",
]
RAW = ("\r", "\u2028", "\u2029", "\x85", "\x1b", "\x00", "\u202e")
OUR_HEADINGS = {
    "### :warning: Go-live: these start or stop real purchasing or invoicing",
    "### Routine changes",
    "### Unmanaged preferences (never changed)",
    "### :question: Not compared, or not ours alone",
    "### coupa-gitops apply",
    "### coupa-gitops apply failed",
    "## coupa-gitops intent",
    "### Go-live",
    "### Routine",
}
# Printable values that AWS's tag rule still allows: they pass validation and must be escaped.
PASSES_AS_TAG_VALUE = {"@org/team"}


# --- what "nothing escapes its medium" means, per medium ---------------------------------


def assert_safe_text(text: str, label: str) -> None:
    """Terminal and CI-log text: no control characters, no workflow command of anyone else."""
    for char in RAW:
        assert char not in text, f"{label}: raw {char!r}"
    for line in text.split("\n"):
        if line.lstrip().startswith("::"):
            assert line.startswith(("::add-mask::", "::error file=")), f"{label}: {line!r}"
            assert "::warning::pwned" not in line.split("::", 2)[1], f"{label}: {line!r}"
        assert "##[" not in line, f"{label}: {line!r}"


def _outside_code(markdown: str) -> str:
    text = re.sub(r"(?ms)^(`{3,})[^\n]*\n.*?^\1$", "", markdown)  # fenced blocks
    text = re.sub(r"(`+).*?\1", "", text)  # code spans
    text = re.sub(r"<code>.*?</code>", "", text)
    return text.replace("\\`", "").replace("\\[", "").replace("\\]", "")


def assert_safe_markdown(markdown: str, label: str) -> None:
    """A PR comment, job summary or issue: no fence closed, heading, HTML, mention or link."""
    for char in RAW:
        assert char not in markdown, f"{label}: raw {char!r}"
    fences = [line for line in markdown.split("\n") if line.startswith("```")]
    assert all(line.strip("`") in ("", "diff") for line in fences), f"{label}: {fences}"
    assert len(fences) % 2 == 0, f"{label}: unbalanced fences"
    # A go-live block's heading is ours and its value escaped: no `#`, newline or mention left.
    headings = {
        line
        for line in markdown.split("\n")
        if line.startswith("#") and not (line.startswith("#### ") and "\n" not in line[5:])
    }
    assert headings <= OUR_HEADINGS, f"{label}: {headings - OUR_HEADINGS}"
    prose = _outside_code(markdown)
    assert "<!--" not in prose, f"{label}: an HTML comment outside code"
    assert "@org/team" not in prose, f"{label}: a mention outside code"
    assert "](http" not in prose, f"{label}: a link outside code"
    assert "pwned" not in prose or "::warning::pwned" not in prose.split("\n")[0]


def assert_safe_json(text: str, label: str) -> None:
    json.loads(text)
    assert text.isascii(), f"{label}: JSON with raw non-ASCII (U+2028 ends a JS line)"


# --- validate ----------------------------------------------------------------------------


def _with(where: str, value: str) -> str:
    quoted = json.dumps(value)  # a JSON string is a YAML double-quoted scalar
    text = integration_yaml()
    if where == "tag key":
        return text.replace('cost-center: "4711"', f'{quoted}: "1"')
    if where == "tag value":
        return text.replace('cost-center: "4711"', f"cost-center: {quoted}")
    if where == "description":
        return text.replace(
            "description: Acme payer account, EMEA Coupa instance", f"description: {quoted}"
        )
    if where == "contact name":
        return text.replace("name: Procurement Ops", f"name: {quoted}")
    return text.replace("  name: acme-emea  ", f"  name: {quoted}  ")


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
@pytest.mark.parametrize("where", ["tag key", "tag value", "description", "contact name", "name"])
def test_validate_rejects_hostile_text_with_a_clear_message_that_does_not_echo_it(where, value):
    hidden = any(escape.hidden(c) for c in value)
    allowed = not hidden and (
        where in ("description", "contact name")
        or (where in ("tag key", "tag value") and value in PASSES_AS_TAG_VALUE)
    )
    text = _with(where, value)
    if allowed:
        config.load_text("config/acme-emea.yaml", text)  # free text may hold printable symbols
        return
    with pytest.raises(ConfigError) as caught:
        config.load_text("config/acme-emea.yaml", text)
    message = str(caught.value)
    assert re.match(r"config/acme-emea\.yaml:\d+:\d+: (metadata|spec)\.", message), message
    assert_safe_text(message, f"{where} {value!r}")
    if hidden:
        assert "hidden character" in message or "must be" in message, message


@pytest.mark.parametrize("value", [v for v in HOSTILE if "\x00" not in v], ids=repr)
def test_validate_rejects_a_hostile_file_name_and_shows_it_escaped(tmp_path, value, capsys):
    from controller.cli import main

    config = tmp_path / "config"
    config.mkdir()
    (config / f"{value.replace('/', '_')}.yaml").write_text(integration_yaml(), encoding="utf-8")
    assert main(["validate", str(config)]) == 1
    out = capsys.readouterr().out
    assert "the file name contains" in out
    assert_safe_text(out, repr(value))


def test_validate_annotations_escape_a_hostile_file_name(tmp_path, monkeypatch, capsys):
    from controller.cli import main

    config = tmp_path / "config"
    config.mkdir()
    (config / "x\n::warning::pwned.yaml").write_text(integration_yaml(), encoding="utf-8")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["validate", str(config)]) == 1
    out = capsys.readouterr().out
    assert_safe_text(out, "validate annotations")
    (annotation,) = [line for line in out.split("\n") if line.startswith("::error")]
    assert "%0A%3A%3Awarning%3A%3Apwned.yaml" in annotation


# --- intent: file names and values from git ---------------------------------------------


def _git(cwd, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def test_intent_escapes_hostile_file_names_and_values_in_every_format(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "config").mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    (repo / "config" / "acme-emea.yaml").write_text(integration_yaml(), encoding="utf-8")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    contact = "``` <!-- ### @org/team [link](http://x) | `tick`"
    edited = integration_yaml(mode="live").replace(
        "name: Procurement Ops", f"name: {json.dumps(contact)}"
    )
    (repo / "config" / "acme-emea.yaml").write_text(edited, encoding="utf-8")
    # No NUL in a path; and a newline in a name breaks gitdiff's reading of `git diff -z`
    # (reported to the integrator), so that name is tried by validate only.
    names = [v for v in HOSTILE if "\x00" not in v and "\n" not in v]
    for index, value in enumerate(names):
        name = f"config/{index}-{value.replace('/', '_')}.yaml"
        (repo / name).write_text(integration_yaml(f"hostile-{index}"), encoding="utf-8")
    _git(repo, "add", ".")
    monkeypatch.chdir(repo)
    found = intent.compute("HEAD", ["config/"])
    assert len(found.integrations) == 1 + len(names)
    assert_safe_text(intent_render.render_text(found), "intent text")
    assert_safe_markdown(intent_render.render_markdown(found), "intent markdown")
    assert_safe_json(intent_render.render_json(found), "intent json")


# --- plan, status, apply and the GitHub outputs, against the sandbox ---------------------


def _hostile_world(world) -> None:
    """A managed preference whose tags someone edited in AWS, an orphan and a stranger."""
    contact = "``` <!-- ### @org/team [link](http://x) | `tick`"
    path = world.write()
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "name: Procurement Ops", f"name: {json.dumps(contact)}"
        ),
        encoding="utf-8",
    )
    assert world.apply("--auto-approve").code == 0, world.transcript
    arn = world.arn_of("acme-emea")
    client = world.client()
    # AWS's tag rules refuse these characters; the reader must survive them all the same.
    world.control.plant_tags(
        arn,
        {
            "cost-center": "x\n::warning::pwned \u2028 \x1b[31m <!-- ``` @org/team",
            "coupa-gitops:commit": "\x1b[31m\n::warning::pwned",
        },
    )
    orphan = client.create_procurement_portal_preference(**unmanaged_request("ORPHAN"))
    world.control.plant_tags(
        orphan["ProcurementPortalPreferenceArn"],
        {"coupa-gitops:name": "x\n::warning::pwned\u2028### h"},
    )
    client.create_procurement_portal_preference(
        **unmanaged_request("\x1b[31m<!--```@org/team[link](http://x)|`nul\x00")
    )


def test_plan_status_and_apply_escape_what_aws_returns(world, monkeypatch, tmp_path):
    _hostile_world(world)
    text = world.plan()
    assert text.code == 0
    assert "pwned" in text.out  # shown, as text
    assert_safe_text(text.both, "plan text")
    markdown = world.plan("--format", "markdown")
    assert_safe_markdown(markdown.out, "plan markdown")
    assert_safe_json(world.plan("--format", "json").out, "plan json")
    status = world.status()
    assert status.code == 0
    assert_safe_text(status.both, "status")

    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    planned = world.plan("--step-summary")
    assert_safe_text(planned.both, "plan in actions")
    applied = world.apply("--auto-approve", "--allow-delete", "--allow-go-live", "--step-summary")
    assert applied.code == 0, applied.both
    assert_safe_text(applied.both, "apply")
    assert_safe_markdown(summary.read_text(encoding="utf-8"), "step summary")
