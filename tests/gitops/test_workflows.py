"""The workflows' rules, read from the YAML, and the two linters ci.yml runs on them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from controller import cli

from . import workflow_tools as wf

# The only action commits allowed: verified release pins (see the pins reference).
PINS = {
    "actions/checkout": {
        "11d5960a326750d5838078e36cf38b85af677262": "v4.4.0",
        "fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09": "v5.1.0",
    },
    "actions/setup-python": {
        "a26af69be951a213d495a4c3e4e4022e16d87065": "v5.6.0",
        "ece7cb06caefa5fff74198d8649806c4678c61a1": "v6.3.0",
    },
    "aws-actions/configure-aws-credentials": {
        "7474bc4690e29a8392af63c5b98e7449536d5c3a": "v4.3.1",
        "61815dcd50bd041e203e49132bacad1fd04d2708": "v5.1.1",
    },
    "actions/upload-artifact": {"ea165f8d65b6e75b540449e92b4886f43607fa02": "v4.6.2"},
    "actions/download-artifact": {"d3f86a106a0bac45b974a628896c90dbdf5c8093": "v4.3.0"},
    "actions/github-script": {"f28e40c7f34bde8b3046d885e986cb6290c5673b": "v7.1.0"},
    "marocchino/sticky-pull-request-comment": {
        "773744901bac0e8cbb5a0dc842800d45e9b2b405": "v2.9.4"
    },
}
EXPECTED = {"apply.yml", "ci.yml", "drift.yml", "pr.yml", "verify-endpoint.yml"}
FILES = wf.files()


def _jobs():
    for path in FILES:
        for job_id, job in wf.load(path)["jobs"].items():
            yield path.name, job_id, job


def _steps():
    for name, job_id, job in _jobs():
        for step in job.get("steps", []):
            yield name, job_id, step


def test_the_five_workflows_exist() -> None:
    assert {p.name for p in FILES} == EXPECTED


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_uses_is_pinned_to_a_verified_sha_with_its_tag(path: Path) -> None:
    uses = [ln for ln in path.read_text(encoding="utf-8").splitlines() if "uses:" in ln]
    for line in uses:
        match = re.fullmatch(
            r"\s*(?:- )?uses: ([\w.-]+/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)", line
        )
        assert match, f"{path.name}: not pinned to a 40-hex SHA with a `# vX.Y.Z` comment: {line}"
        action, sha, tag = match.groups()
        assert PINS.get(action, {}).get(sha) == tag, f"{path.name}: unverified pin {line.strip()}"


def test_top_level_permissions_are_empty_and_every_job_declares_its_own() -> None:
    for path in FILES:
        assert wf.load(path)["permissions"] == {}, path.name
    for name, job_id, job in _jobs():
        assert "permissions" in job, f"{name}: job {job_id} declares no permissions"
        assert all(v in ("read", "write", "none") for v in job["permissions"].values())


def test_no_pull_request_target() -> None:
    for path in FILES:
        assert "pull_request_target" not in wf.triggers(wf.load(path)), path.name
        assert "pull_request_target" not in path.read_text(encoding="utf-8"), path.name


def test_no_expressions_inside_run_scripts() -> None:
    for name, job_id, step in _steps():
        assert "${{" not in str(step.get("run", "")), f"{name}/{job_id}: {step.get('name')}"


def test_checkout_never_persists_credentials() -> None:
    checkouts = [
        (name, step)
        for name, _, step in _steps()
        if step.get("uses", "").startswith("actions/checkout@")
    ]
    assert len(checkouts) >= len(FILES)
    for name, step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, name


def test_allow_go_live_only_in_the_environment_gated_go_live_job() -> None:
    places = [
        (name, job_id)
        for name, job_id, step in _steps()
        if "--allow-go-live" in str(step.get("run", ""))
    ]
    assert places == [("apply.yml", "go-live")]
    for path in FILES:  # nowhere else in the workflows, not even in an env value or `with:`
        lines = path.read_text(encoding="utf-8").splitlines()
        count = sum(ln.count("--allow-go-live") for ln in lines if not ln.lstrip().startswith("#"))
        assert count == (1 if path.name == "apply.yml" else 0), path.name
    job = wf.load("apply.yml")["jobs"]["go-live"]
    assert job["environment"] == "go-live"
    assert job["needs"] == "apply"


def test_applies_never_overlap() -> None:
    apply = wf.load("apply.yml")
    assert apply["concurrency"] == {"group": "coupa-gitops-apply", "cancel-in-progress": False}
    assert set(wf.triggers(apply)) == {"push", "workflow_dispatch"}
    assert wf.triggers(apply)["push"]["branches"] == ["main"]


def test_pr_workflow_shape() -> None:
    pr = wf.load("pr.yml")
    assert set(wf.triggers(pr)) == {"pull_request"}
    assert wf.triggers(pr)["pull_request"]["paths"] == ["config/**", "schemas/**"]
    jobs = pr["jobs"]
    assert jobs["plan"]["permissions"] == {"contents": "read", "id-token": "write"}
    assert "vars.COUPA_GITOPS_PLAN_ROLE_ARN != ''" in jobs["plan"]["if"]
    assert "head.repo.full_name == github.repository" in jobs["plan"]["if"]
    uses = {s.get("uses", "").split("@")[0]: s for s in jobs["comment"]["steps"]}
    sticky = uses["marocchino/sticky-pull-request-comment"]["with"]
    assert sticky == {"header": "coupa-gitops", "path": "comment.md"}
    assert "id-token" not in jobs["comment"]["permissions"]  # runs no PR code, gets no cloud


def test_verify_endpoint_inputs_reach_the_cli_only_through_env() -> None:
    flow = wf.load("verify-endpoint.yml")
    assert set(wf.triggers(flow)["workflow_dispatch"]["inputs"]) == {"name", "code"}
    (step,) = [
        s for s in flow["jobs"]["verify-endpoint"]["steps"] if "verify-endpoint" in s.get("run", "")
    ]
    assert step["env"] == {"NAME": "${{ inputs.name }}", "CODE": "${{ inputs.code }}"}
    job = flow["jobs"]["verify-endpoint-go-live"]
    assert job["environment"] == "go-live"
    assert job["if"] == "${{ needs.mode.outputs.live == 'true' }}"


def test_the_commands_the_workflows_run() -> None:
    lines = {(c.workflow, c.job, c.line) for c in wf.commands()}
    assert lines == {
        ("pr.yml", "intent", "coupa-gitops validate config/"),
        ("pr.yml", "intent", "coupa-gitops intent --base HEAD^1 --format markdown > intent.md"),
        ("pr.yml", "intent", "coupa-gitops intent --base HEAD^1 --format json > intent.json"),
        (
            "pr.yml",
            "plan",
            "coupa-gitops plan --no-secrets --changed-since HEAD^1 --format markdown "
            "--out plan.json --step-summary > plan.md",
        ),
        (
            "apply.yml",
            "apply",
            "coupa-gitops apply --auto-approve --skip-go-live --step-summary || status=$?",
        ),
        (
            "apply.yml",
            "apply",
            "coupa-gitops plan --detailed-exitcode --format markdown --out go-live-plan.json "
            "> go-live-plan.md || status=$?",
        ),
        (
            "apply.yml",
            "go-live",
            "coupa-gitops apply --plan go-live-plan.json --auto-approve --allow-go-live "
            '--allow-replace --allow-delete --step-summary "${override[@]}"',
        ),
        (
            "drift.yml",
            "drift",
            "coupa-gitops plan --no-secrets --detailed-exitcode --format markdown > drift.md "
            "|| status=$?",
        ),
        ("ci.yml", "ci", "coupa-gitops codeowners --check"),
        (
            "verify-endpoint.yml",
            "verify-endpoint",
            'coupa-gitops verify-endpoint "$NAME" --code "$CODE"',
        ),
        ("verify-endpoint.yml", "verify-endpoint", 'coupa-gitops verify-endpoint "$NAME"'),
        (
            "verify-endpoint.yml",
            "verify-endpoint-go-live",
            'coupa-gitops verify-endpoint "$NAME" --code "$CODE"',
        ),
        ("verify-endpoint.yml", "verify-endpoint-go-live", 'coupa-gitops verify-endpoint "$NAME"'),
    }


# The role each job assumes (`coupa-gitops iam-policy plan|apply|go-live`), and its environment.
ROLE_OF_JOB = {
    ("pr.yml", "plan"): ("COUPA_GITOPS_PLAN_ROLE_ARN", None),
    ("drift.yml", "drift"): ("COUPA_GITOPS_PLAN_ROLE_ARN", None),
    ("apply.yml", "apply"): ("COUPA_GITOPS_APPLY_ROLE_ARN", None),
    ("apply.yml", "go-live"): ("COUPA_GITOPS_GO_LIVE_ROLE_ARN", "go-live"),
    ("verify-endpoint.yml", "verify-endpoint"): ("COUPA_GITOPS_APPLY_ROLE_ARN", None),
    ("verify-endpoint.yml", "verify-endpoint-go-live"): (
        "COUPA_GITOPS_GO_LIVE_ROLE_ARN",
        "go-live",
    ),
}


def test_each_job_assumes_the_role_of_its_purpose_and_only_go_live_jobs_the_go_live_role() -> None:
    found = {}
    for name, job_id, job in _jobs():
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("aws-actions/configure-aws-credentials@"):
                var = re.fullmatch(r"\$\{\{ vars\.(\w+) \}\}", step["with"]["role-to-assume"])
                found[(name, job_id)] = (var.group(1), job.get("environment"))
    assert found == ROLE_OF_JOB


def test_every_install_takes_hash_pinned_dependencies_and_the_package_without_any() -> None:
    lock = wf.ROOT / "requirements" / "ci.lock"
    pins = [ln for ln in lock.read_text(encoding="utf-8").splitlines() if "==" in ln]
    assert pins and all(ln.endswith(" \\") for ln in pins)  # each pin followed by --hash lines
    installs = [s["run"] for _, _, s in _steps() if "pip install" in str(s.get("run", ""))]
    assert installs
    for script in installs:
        assert script.splitlines() == [
            "pip install --require-hashes -r requirements/ci.lock",
            "pip install --no-deps --no-build-isolation .",
        ]


def _subcommands() -> set[str]:
    parser = cli.build_parser()
    (sub,) = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return set(sub.choices)


@pytest.mark.parametrize("command", wf.commands(), ids=lambda c: f"{c.workflow}:{c.line[:60]}")
def test_every_workflow_command_parses_with_the_cli(command: wf.Command) -> None:
    if command.argv[0] not in _subcommands():
        pytest.skip(f"`coupa-gitops {command.argv[0]}` is not in the CLI yet")
    args = cli.build_parser().parse_args(list(command.argv))  # SystemExit on an unknown flag
    assert args.command == command.argv[0]


# --- the linters ci.yml runs, when they are installed ---


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


@pytest.mark.skipif(_tool("check-jsonschema") is None, reason="check-jsonschema not installed")
def test_check_jsonschema_github_workflows() -> None:
    result = subprocess.run(
        [
            _tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, FILES),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(_tool("zizmor") is None, reason="zizmor not installed")
def test_zizmor_finds_nothing_medium_or_high() -> None:
    result = subprocess.run(
        [
            _tool("zizmor"),
            "--offline",
            "--format",
            "json",
            "--min-severity",
            "medium",
            str(wf.WORKFLOWS),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    findings = json.loads(result.stdout or "[]")
    summary = [(f["ident"], f["determinations"]["severity"]) for f in findings]
    assert findings == [], summary
    assert result.returncode == 0, result.stderr
