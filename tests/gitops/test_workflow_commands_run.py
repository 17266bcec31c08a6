"""Every workflow step that calls coupa-gitops, run as the workflow writes it, against the sandbox.

The `run:` scripts are read from .github/workflows/*.yml and executed whole with the shell
GitHub uses (`shell: bash` is `bash --noprofile --norc -eo pipefail {0}`), in a real git
checkout made the way actions/checkout makes it (a shallow fetch of the pushed commit, or of
the pull request's merge commit with `fetch-depth: 2`), with the environment a GitHub runner
gives a step: GITHUB_ACTIONS, GITHUB_OUTPUT/ENV/STEP_SUMMARY files, RUNNER_TEMP, the step's
`env:` with its `${{ ... }}` expressions evaluated from realistic contexts, and the AWS
credentials configure-aws-credentials would export (here: the role in the step's
`role-to-assume`, assumed through the sandbox's STS). `coupa-gitops` is the real CLI on PATH.

Only tools a runner has and this machine lacks are stubbed: `gh`, which records its arguments.
`uses:` steps are emulated (checkout, artifacts, AWS credentials, the sticky comment); `pip
install -e .` and `make test` are not run: the package under test is already installed.

So a workflow cannot drift from the CLI it calls: a renamed flag, an exit code the script does
not expect, a JSON field its `jq` filter no longer finds, or a ref a shallow checkout lacks
fails here. Shared secrets are canaries; none may show in any output or file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest

from controller.sandbox import Sandbox

from . import workflow_tools as wf
from .conftest import EXAMPLES, GitRepo

ROOT = wf.ROOT
BIN = Path(sys.executable).parent  # the venv whose coupa-gitops is under test
CLI = BIN / "coupa-gitops"

OWNER_REPO = "acme-corp/coupa-config"
PR_NUMBER = "7"
RUN_ID = "4242"
OIDC_KEY = "AKIAOIDCFEDERATION"  # stands for the job's OIDC identity; only used to AssumeRole
ROLES = {
    "COUPA_GITOPS_PLAN_ROLE_ARN": "arn:aws:iam::111122223333:role/coupa-gitops-plan",
    "COUPA_GITOPS_APPLY_ROLE_ARN": "arn:aws:iam::111122223333:role/coupa-gitops-apply",
    "COUPA_GITOPS_GO_LIVE_ROLE_ARN": "arn:aws:iam::111122223333:role/coupa-gitops-go-live",
}
CANARY = "CANARY-0b5e7"
SECRETS = {
    "ACME_COUPA_SECRET": f"{CANARY}-acme-prod",
    "ACME_COUPA_TEST_SECRET": f"{CANARY}-acme-test",
    "GLOBEX_COUPA_SECRET": f"{CANARY}-globex-prod",
}
GITHUB_TOKEN = f"ghs_{CANARY}-token"
ACME = "config/integrations/acme-emea.yaml"  # mode: test, account 111122223333 (the caller's)
GLOBEX = "config/integrations/globex-us.yaml"  # mode: live, roleArn in 444455556666
DRIFT_TITLE = "Drift detected between git and AWS"

# Every step whose `run:` calls coupa-gitops, and the test here that runs it.
COVERED = {
    ("pr.yml", "intent", "Validate"): "test_pull_request_*",
    ("pr.yml", "intent", "Intent (from git alone, no AWS access)"): "test_pull_request_*",
    ("pr.yml", "plan", "Plan"): "test_pull_request_validates_*",
    ("apply.yml", "apply", "Apply routine changes (go-live changes stay pending)"): "test_push_*",
    ("apply.yml", "apply", "What waits for approval"): "test_push_*",
    ("apply.yml", "go-live", "Apply the approved go-live plan"): "test_push_*",
    ("drift.yml", "drift", "Plan everything"): "test_drift_*",
    ("verify-endpoint.yml", "verify-endpoint", "Verify the endpoint"): "test_push_*",
    ("verify-endpoint.yml", "verify-endpoint-go-live", "Verify the endpoint"): "test_verify_*",
    ("ci.yml", "ci", "CODEOWNERS matches metadata.approvers"): "test_ci_*",
}
# `run:` steps that install or test the package itself: the package under test is installed.
INSTALL = (
    "pip install --require-hashes -r requirements/ci.lock\n"
    "pip install --no-deps --no-build-isolation ."
)
NOT_RUN = {INSTALL, "make test"}

pytestmark = pytest.mark.skipif(not CLI.exists(), reason=f"{CLI} is not installed")


# --- expressions: just the GitHub expression syntax these workflows use --------------------

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_STATUS = re.compile(r"!?\s*(?:cancelled|always|success|failure)\(\)")


def _lookup(path: str, ctx: dict) -> str:
    if path.startswith("'") and path.endswith("'"):
        return path[1:-1].replace("''", "'")
    if path in ctx:
        return ctx[path]
    # Contexts whose missing members are '' in GitHub; anything else must be given here.
    if re.fullmatch(r"(steps|needs)\.[\w-]+\.outputs\.[\w-]+|vars\.\w+|inputs\.[\w-]+", path):
        return ""
    raise KeyError(f"no realistic value for `{path}` in this test; add it to the context")


def _term(term: str, ctx: dict, failed: bool) -> bool:
    term = term.strip()
    if term == "!cancelled()" or term == "always()":
        return True
    if term == "success()":
        return not failed
    if term == "failure()":
        return failed
    match = re.fullmatch(r"(\S+)\s*(==|!=)\s*(\S+)", term)
    if not match:
        raise ValueError(f"expression not understood by this test: {term!r}")
    left, op, right = match.groups()
    equal = _lookup(left, ctx) == _lookup(right, ctx)
    return equal if op == "==" else not equal


def condition(text: str | bool | None, ctx: dict, failed: bool = False) -> bool:
    """An `if:`; without a status function, `success() && ...` is implied, as in GitHub."""
    if text is None:
        return not failed
    if isinstance(text, bool):
        return text and not failed
    inner = _EXPR.fullmatch(text.strip())
    body = inner.group(1) if inner else text
    terms = body.split("&&")
    if not _STATUS.search(body) and failed:
        return False
    return all(_term(t, ctx, failed) for t in terms)


def substitute(text: str, ctx: dict) -> str:
    """`${{ ... }}` in an `env:`/`with:` value (or a script) replaced by its value."""

    def value(match: re.Match) -> str:
        expr = match.group(1)
        if re.search(r"==|!=|&&|\(\)", expr):
            return "true" if condition(expr, ctx) else "false"
        return _lookup(expr, ctx)

    if isinstance(text, bool):  # YAML's true/false, as GitHub passes them to an action
        return "true" if text else "false"
    return _EXPR.sub(value, str(text))


# --- the runner files: $GITHUB_OUTPUT and $GITHUB_ENV ---------------------------------------


def parse_command_file(path: Path) -> dict[str, str]:
    """`NAME=value` lines and `NAME<<DELIM` ... `DELIM` blocks, as the runner reads them."""
    found: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            found[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        if line.strip():
            name, value = line.split("=", 1)
            found[name] = value
        i += 1
    return found


# --- the world: origin repository, sandbox, runner emulation --------------------------------


@dataclass
class StepResult:
    name: str
    id: str | None
    ran: bool
    code: int = 0
    out: str = ""
    err: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""


@dataclass
class JobResult:
    workflow: str
    job: str
    result: str  # success | failure | skipped
    steps: list[StepResult] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    workspace: Path | None = None

    def step(self, name: str) -> StepResult:
        found = [s for s in self.steps if s.name == name]
        assert found, f"{self.workflow} {self.job}: no step named {name!r}"
        return found[0]

    @property
    def summary(self) -> str:
        return "".join(s.summary for s in self.steps)


@dataclass
class Event:
    """What triggered the run: the `github` context and the ref actions/checkout fetches."""

    name: str  # push | pull_request | workflow_dispatch | schedule
    sha: str
    ref: str = "refs/heads/main"
    fork: bool = False
    inputs: dict[str, str] = field(default_factory=dict)

    def context(self) -> dict[str, str]:
        ctx = {
            "github.ref": self.ref,
            "github.sha": self.sha,
            "github.event_name": self.name,
            "github.repository": OWNER_REPO,
            "github.server_url": "https://github.com",
            "github.run_id": RUN_ID,
            "github.token": GITHUB_TOKEN,
        }
        if self.name == "pull_request":
            head = "contributor/coupa-config" if self.fork else OWNER_REPO
            ctx["github.event.pull_request.number"] = PR_NUMBER
            ctx["github.event.pull_request.head.repo.full_name"] = head
        ctx.update({f"inputs.{k}": v for k, v in self.inputs.items()})
        return ctx


class Actions:
    """A config repository, the sandbox as AWS, and a GitHub runner for its workflows."""

    def __init__(self, root: Path, sandbox: Sandbox, variables: dict[str, str]) -> None:
        self.root = root
        self.sandbox = sandbox
        self.control = sandbox.control
        self.variables = variables
        self.origin = GitRepo(root / "origin")
        self.origin.repo.git.config("uploadpack.allowAnySHA1InWant", "true")
        shutil.copytree(EXAMPLES, self.origin.path / "config" / "integrations")
        shutil.copytree(ROOT / "schemas", self.origin.path / "schemas")
        (self.origin.path / ".github").mkdir()
        shutil.copy(ROOT / ".github" / "CODEOWNERS", self.origin.path / ".github" / "CODEOWNERS")
        self.origin.write("README.md", "Our Coupa integrations, as code.\n")
        self.artifacts = root / "artifacts"  # what upload-artifact stored, per name
        self.gh_dir = root / "gh"
        self.gh_dir.mkdir()
        self.gh_replies: dict[str, str] = {}
        self.comments: list[str] = []
        self.texts: dict[str, str] = {}  # every output, for the canary check
        self._write_gh_stub()
        self._runs = 0

    # the stubbed GitHub CLI: records argv (and --body-file contents); replies per subcommand
    def _write_gh_stub(self) -> None:
        stub = self.gh_dir / "bin" / "gh"
        stub.parent.mkdir()
        stub.write_text(
            f"#!{sys.executable}\n"
            "import hashlib, json, os, sys\n"
            f"d = {str(self.gh_dir)!r}\n"
            "args = sys.argv[1:]\n"
            "body = None\n"
            "if '--body-file' in args:\n"
            "    body = open(args[args.index('--body-file') + 1], encoding='utf-8').read()\n"
            "token = hashlib.sha256(os.environ.get('GH_TOKEN', '').encode()).hexdigest()\n"
            "call = {'args': args, 'body': body, 'token': token,\n"
            "        'repo': os.environ.get('GH_REPO')}\n"
            "with open(os.path.join(d, 'calls.jsonl'), 'a', encoding='utf-8') as f:\n"
            "    f.write(json.dumps(call) + '\\n')\n"
            "replies = json.load(open(os.path.join(d, 'replies.json'), encoding='utf-8'))\n"
            "key = ' '.join(a for a in args[:2])\n"
            "sys.stdout.write(replies.get(key, ''))\n",
            encoding="utf-8",
        )
        stub.chmod(0o755)

    def gh_calls(self) -> list[dict]:
        path = self.gh_dir / "calls.jsonl"
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        path.unlink(missing_ok=True)
        return [json.loads(line) for line in lines]

    # the repository
    def commit(self, message: str) -> str:
        return self.origin.commit(message)

    def pull_request(self, change) -> str:
        """A PR branch with `change(repo)`, main moved on meanwhile, and GitHub's merge commit
        (refs/pull/N/merge: first parent the base branch, second the PR head). Returns it."""
        git_ = self.origin.repo.git
        git_.checkout("-q", "-b", "feature")
        change(self.origin)
        self.commit("the pull request's change")
        git_.checkout("-q", "main")
        self.origin.write("README.md", "Our Coupa integrations, as code. See docs/.\n")
        self.commit("meanwhile on main")
        git_.checkout("-q", "--detach")
        git_.merge("-q", "--no-ff", "--no-edit", "feature", "-m", f"Merge {PR_NUMBER} into main")
        merge = self.origin.repo.head.commit.hexsha
        git_.update_ref(f"refs/pull/{PR_NUMBER}/merge", merge)
        git_.checkout("-q", "main")
        git_.branch("-q", "-D", "feature")
        return merge

    def checkout(self, event: Event, options: dict) -> Path:
        """What actions/checkout does: init, a shallow fetch of the one commit, checkout."""
        self._runs += 1
        work = self.root / f"runner-{self._runs}" / "work" / "coupa-config"
        work.mkdir(parents=True)
        depth = int(options.get("fetch-depth", 1))
        pull = event.ref.startswith("refs/pull/")
        target = f"refs/remotes/pull/{PR_NUMBER}/merge" if pull else "refs/remotes/origin/main"

        def git(*args: str) -> None:
            subprocess.run(["git", *args], cwd=work, check=True, capture_output=True, text=True)

        git("init", "-q")
        git("remote", "add", "origin", f"file://{self.origin.path}")
        fetch = ["-c", "protocol.version=2", "fetch", "--no-tags", "--prune", "--quiet"]
        if depth > 0:
            fetch.append(f"--depth={depth}")
        git(*fetch, "origin", f"+{event.sha}:{target}")
        if pull:
            git("checkout", "-q", "--force", target)
        else:
            git("checkout", "-q", "--force", "-B", "main", target)
        return work

    # AWS, as configure-aws-credentials leaves it (OIDC -> AssumeRole), pointed at the sandbox
    def assume(self, role_arn: str, session: str) -> dict[str, str]:
        assert role_arn, "configure-aws-credentials would fail: role-to-assume is empty"
        sts = boto3.client(
            "sts",
            endpoint_url=self.sandbox.url,
            region_name="us-east-1",
            aws_access_key_id=OIDC_KEY,
            aws_secret_access_key="oidc-web-identity",
        )
        creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=session)["Credentials"]
        return {
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"],
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_INVOICING": self.sandbox.url,
            "AWS_ENDPOINT_URL_STS": self.sandbox.url,
            "AWS_ENDPOINT_URL_ORGANIZATIONS": self.sandbox.url,
        }

    def cli(self, *args: str, cwd: Path | None = None, secrets: bool = True) -> StepResult:
        """Setup outside any workflow: an operator runs coupa-gitops with the apply role."""
        env = self._base_env(self.root / "operator") | self.assume(
            self.variables["COUPA_GITOPS_APPLY_ROLE_ARN"], "operator"
        )
        env.pop("GITHUB_ACTIONS")
        if secrets:
            env.update(SECRETS)
        proc = subprocess.run(
            [str(CLI), *args],
            cwd=cwd or self.origin.path,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
        self.texts[f"operator {args}"] = proc.stdout + proc.stderr
        return StepResult(" ".join(args), None, True, proc.returncode, proc.stdout, proc.stderr)

    def _base_env(self, runner: Path) -> dict[str, str]:
        (runner / "home").mkdir(parents=True, exist_ok=True)
        (runner / "temp").mkdir(exist_ok=True)
        return {
            "PATH": os.pathsep.join([str(BIN), str(self.gh_dir / "bin"), "/usr/bin", "/bin"]),
            "HOME": str(runner / "home"),
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "RUNNER_OS": "Linux",
            "RUNNER_TEMP": str(runner / "temp"),
            "AWS_EC2_METADATA_DISABLED": "true",  # no credentials means none, not an IMDS wait
            "AWS_CONFIG_FILE": str(runner / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(runner / "no-aws-credentials"),
            # The code under test: a checkout run with PYTHONPATH (a git worktree) rather than
            # whatever the venv's editable install points at.
            **({"PYTHONPATH": os.environ["PYTHONPATH"]} if os.environ.get("PYTHONPATH") else {}),
        }

    # one job of one workflow
    def run_job(
        self,
        workflow: str,
        job_id: str,
        event: Event,
        *,
        needs: dict[str, JobResult] | None = None,
        secrets: dict[str, str] | None = None,
        only: set[str] | None = None,
        workspace: Path | None = None,
    ) -> JobResult:
        """Run the job's steps in order as a runner would.

        `secrets`: the documented `NAME: ${{ secrets.NAME }}` job env (docs/github-setup.md).
        `only`: run just these `run:` steps (ci.yml's others are the test suite and linters).
        `workspace`: run in this directory instead of a fresh checkout (ci.yml on this repo).
        """
        doc = wf.load(workflow)
        job = doc["jobs"][job_id]
        ctx = event.context() | {f"vars.{k}": v for k, v in self.variables.items()}
        for need_id, need in (needs or {}).items():
            ctx[f"needs.{need_id}.result"] = need.result
            ctx.update({f"needs.{need_id}.outputs.{k}": v for k, v in need.outputs.items()})
        declared = job.get("needs", [])
        declared = [declared] if isinstance(declared, str) else declared
        assert set(declared) == set(needs or {}), f"{job_id} needs {declared}"
        upstream_failed = any(n.result != "success" for n in (needs or {}).values())
        if not condition(job.get("if"), ctx, failed=upstream_failed):
            return JobResult(workflow, job_id, "skipped")

        runner = self.root / f"runner-{self._runs + 1}"
        env = self._base_env(runner) | {
            "GITHUB_REPOSITORY": OWNER_REPO,
            "GITHUB_REF": event.ref,
            "GITHUB_SHA": event.sha,
            "GITHUB_EVENT_NAME": event.name,
            "GITHUB_RUN_ID": RUN_ID,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_JOB": job_id,
        }
        env.update({k: substitute(v, ctx) for k, v in (doc.get("env") or {}).items()})
        env.update({k: substitute(v, ctx) for k, v in (job.get("env") or {}).items()})
        env.update(secrets or {})
        shell = (job.get("defaults") or doc.get("defaults") or {}).get("run", {}).get("shell")
        result = JobResult(workflow, job_id, "success", workspace=workspace)
        failed = False
        for index, step in enumerate(job.get("steps", [])):
            name = step.get("name") or step.get("uses") or step.get("run", "").splitlines()[0]
            if not condition(step.get("if"), ctx, failed):
                result.steps.append(StepResult(name, step.get("id"), ran=False))
                continue
            if "uses" in step:
                code = self._uses(step, ctx, event, env, result)
                result.steps.append(StepResult(name, step.get("id"), True, code))
                if result.workspace is not None:
                    env["GITHUB_WORKSPACE"] = str(result.workspace)
            elif step["run"].strip() in NOT_RUN or (only is not None and name not in only):
                result.steps.append(StepResult(name, step.get("id"), ran=False))
                continue
            else:
                assert result.workspace is not None, f"{job_id}: run step before checkout"
                done = self._run(step, name, shell, env, ctx, runner, index, result.workspace)
                result.steps.append(done)
                code = done.code
            if code != 0:
                failed = True
        result.result = "failure" if failed else "success"
        for key, expr in (job.get("outputs") or {}).items():
            result.outputs[key] = substitute(expr, ctx)
        return result

    def _run(self, step, name, shell, env, ctx, runner, index, workspace) -> StepResult:
        shell = step.get("shell", shell)
        assert shell == "bash", f"{name}: this test runs `shell: bash` steps only, not {shell}"
        files = {
            var: runner / "files" / f"{index}-{var.lower()}"
            for var in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY")
        }
        for path in files.values():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        step_env = env | {k: str(v) for k, v in files.items()}
        step_env.update({k: substitute(v, ctx) for k, v in (step.get("env") or {}).items()})
        script = runner / "temp" / f"{uuid.uuid4()}.sh"
        script.write_text(substitute(step["run"], ctx), encoding="utf-8")
        proc = subprocess.run(
            # GitHub's template for `shell: bash` (actions/runner, ADR 0277)
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace / step.get("working-directory", "."),
            env=step_env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )
        outputs = parse_command_file(files["GITHUB_OUTPUT"])
        if step.get("id"):
            ctx.update({f"steps.{step['id']}.outputs.{k}": v for k, v in outputs.items()})
        env.update(parse_command_file(files["GITHUB_ENV"]))
        for line in files["GITHUB_PATH"].read_text(encoding="utf-8").splitlines():
            env["PATH"] = line + os.pathsep + env["PATH"]
        summary = files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8")
        label = f"{len(self.texts)}:{step_env['GITHUB_JOB']}:{name}"
        self.texts[label] = proc.stdout + proc.stderr + summary
        return StepResult(
            name, step.get("id"), True, proc.returncode, proc.stdout, proc.stderr, outputs, summary
        )

    def _uses(self, step, ctx, event, env, result: JobResult) -> int:
        action = step["uses"].split("@", 1)[0]
        options = {k: substitute(v, ctx) for k, v in (step.get("with") or {}).items()}
        if action == "actions/checkout":
            assert options.get("persist-credentials") == "false"
            result.workspace = result.workspace or self.checkout(event, options)
        elif action == "actions/setup-python":
            pass  # this interpreter
        elif action == "aws-actions/configure-aws-credentials":
            env.update(self.assume(options["role-to-assume"], options["role-session-name"]))
            assert options["aws-region"] == "us-east-1"
        elif action == "actions/upload-artifact":
            store = self.artifacts / options["name"]
            store.mkdir(parents=True, exist_ok=True)
            for rel in filter(None, (p.strip() for p in options["path"].splitlines())):
                source = result.workspace / rel
                if not source.exists():
                    return 1  # if-no-files-found defaults to warn, but nothing to give downstream
                shutil.copy(source, store / Path(rel).name)
        elif action == "actions/download-artifact":
            if result.workspace is None:  # a job without checkout works in an empty workspace
                self._runs += 1
                result.workspace = self.root / f"runner-{self._runs}" / "work" / "coupa-config"
                result.workspace.mkdir(parents=True)
            target = result.workspace / options.get("path", ".")
            names = [options["name"]] if "name" in options else self._artifact_names()
            for name in names:
                source = self.artifacts / name
                if not source.is_dir():
                    return 1
                dest = target if "name" in options else target / name
                shutil.copytree(source, dest, dirs_exist_ok=True)
        elif action == "marocchino/sticky-pull-request-comment":
            self.comments.append((result.workspace / options["path"]).read_text(encoding="utf-8"))
        else:
            raise AssertionError(f"this test does not know how to run {action}")
        return 0

    def _artifact_names(self) -> list[str]:
        return sorted(p.name for p in self.artifacts.iterdir()) if self.artifacts.is_dir() else []

    # the live side, read with boto3 as the apply role (and globex-us's own role)
    def invoicing(self, name: str):
        env = self.assume(self.variables["COUPA_GITOPS_APPLY_ROLE_ARN"], "test")
        keys = {
            "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
        }
        role = {"globex-us": "arn:aws:iam::444455556666:role/coupa-gitops"}.get(name)
        if role:
            sts = boto3.client(
                "sts", endpoint_url=self.sandbox.url, region_name="us-east-1", **keys
            )
            got = sts.assume_role(RoleArn=role, RoleSessionName="test")["Credentials"]
            keys = {
                "aws_access_key_id": got["AccessKeyId"],
                "aws_secret_access_key": got["SecretAccessKey"],
            }
        return boto3.client(
            "invoicing", endpoint_url=self.sandbox.url, region_name="us-east-1", **keys
        )

    def arns(self, name: str) -> list[str]:
        """ARNs of the preferences tagged coupa-gitops:name=NAME."""
        client = self.invoicing(name)
        found = []
        for pref in client.list_procurement_portal_preferences()["ProcurementPortalPreferences"]:
            arn = pref["ProcurementPortalPreferenceArn"]
            tags = client.list_tags_for_resource(ResourceArn=arn)["ResourceTags"]
            if {"Key": "coupa-gitops:name", "Value": name} in tags:
                found.append(arn)
        return found

    def arn_of(self, name: str) -> str:
        (arn,) = self.arns(name)
        return arn

    def live(self, name: str) -> dict:
        reply = self.invoicing(name).get_procurement_portal_preference(
            ProcurementPortalPreferenceArn=self.arn_of(name)
        )
        return reply["ProcurementPortalPreference"]

    def statuses(self, name: str) -> tuple[str, str]:
        doc = self.live(name)
        return (
            doc.get("EinvoiceDeliveryPreferenceStatus"),
            doc.get("PurchaseOrderRetrievalPreferenceStatus"),
        )

    def canary_leaks(self) -> list[str]:
        """Where a canary shows: any output, or any file under this test's directory.

        `::add-mask::` lines are GitHub's masking protocol (the runner swallows them)."""
        found = []
        for label, text in self.texts.items():
            for line in text.splitlines():
                if CANARY in line and not line.startswith("::add-mask::"):
                    found.append(f"{label}: {line[:200]}")
        for folder, _, names in os.walk(self.root):  # not into symlinks (.venv)
            for name in names:
                path = Path(folder, name)
                if path.is_file() and CANARY.encode() in path.read_bytes():
                    found.append(f"file {path}")
        return found


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    db = tmp_path_factory.mktemp("workflow-sandbox") / "state.sqlite"
    with Sandbox(db, accounts={OIDC_KEY: "111122223333"}) as sb:
        yield sb


@pytest.fixture
def actions(sandbox: Sandbox, tmp_path: Path) -> Iterator[Actions]:
    sandbox.control.set_faults(latency_ms=0, fault_rate=0.0, throttle_rate=0.0)
    sandbox.control.reset()
    world = Actions(tmp_path, sandbox, dict(ROLES))
    (world.gh_dir / "replies.json").write_text("{}", encoding="utf-8")
    yield world
    leaks = world.canary_leaks()
    assert not leaks, "canary secret leaked:\n" + "\n".join(leaks)


def set_gh_replies(world: Actions, replies: dict[str, str]) -> None:
    (world.gh_dir / "replies.json").write_text(json.dumps(replies), encoding="utf-8")


def assert_ran_ok(job: JobResult, *names: str) -> None:
    assert job.result == "success", _job_log(job)
    for name in names:
        step = job.step(name)
        assert step.ran, f"{job.job}: {name} did not run\n{_job_log(job)}"
        assert step.code == 0, f"{job.job}: {name} exited {step.code}\n{_job_log(job)}"


def assert_ran_ok_step(job: JobResult, name: str) -> None:
    """This step ran and exited 0, whatever became of the job."""
    step = job.step(name)
    assert step.ran and step.code == 0, f"{job.job}: {name}\n{_job_log(job)}"


def _job_log(job: JobResult) -> str:
    return "\n".join(
        f"--- {s.name} (ran={s.ran}, exit {s.code})\n{s.out}{s.err}" for s in job.steps if s.ran
    )


# --- every coupa-gitops step is covered --------------------------------------------------------


def test_every_step_that_calls_coupa_gitops_is_run_by_a_test_here() -> None:
    calling = set()
    for path in wf.files():
        for job_id, job in wf.load(path)["jobs"].items():
            for step in job.get("steps", []):
                if re.search(r"(^|\s)coupa-gitops\s", str(step.get("run", ""))):
                    calling.add((path.name, job_id, step.get("name", "")))
    assert calling == set(COVERED)
    # and workflow_tools.commands() sees the same steps
    assert {(c.workflow, c.job, c.step) for c in wf.commands()} == calling


# --- pr.yml -----------------------------------------------------------------------------------


def _base_with_globex_in_test(world: Actions) -> str:
    """main as it was before the PR: globex-us still in test, both created and applied."""
    world.origin.replace(GLOBEX, "  mode: live\n", "  mode: test\n")
    sha = world.commit("globex-us in test")
    applied = world.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    return sha


def _globex_goes_live(repo: GitRepo) -> None:
    repo.replace(GLOBEX, "  mode: test\n", "  mode: live\n")
    repo.replace(GLOBEX, "finance-systems@globex.example", "ap-team@globex.example")


def test_pull_request_validates_says_its_intent_plans_comments_and_labels(
    actions: Actions,
) -> None:
    _base_with_globex_in_test(actions)
    merge = actions.pull_request(_globex_goes_live)
    event = Event("pull_request", merge, ref=f"refs/pull/{PR_NUMBER}/merge")

    intent = actions.run_job("pr.yml", "intent", event)
    assert_ran_ok(intent, "Validate", "Intent (from git alone, no AWS access)")
    assert intent.step("Validate").out.startswith("2 files valid")
    work = intent.workspace
    assert (work / ".git" / "shallow").exists()  # fetch-depth: 2, and HEAD^1 is still there
    intent_md = (work / "intent.md").read_text(encoding="utf-8")
    assert "globex-us" in intent_md and "acme-emea" not in intent_md
    assert "| `globex-us` | edit | `test` → `live` | goes live:" in intent_md
    intent_json = json.loads((work / "intent.json").read_text(encoding="utf-8"))
    assert intent_json["go_live"]
    assert [(i["name"], i["gate"]) for i in intent_json["integrations"]] == [
        ("globex-us", "go-live")
    ]
    assert intent_md in intent.step("Intent (from git alone, no AWS access)").summary
    assert sorted(p.name for p in (actions.artifacts / "intent").iterdir()) == [
        "intent.json",
        "intent.md",
    ]

    plan = actions.run_job("pr.yml", "plan", event, needs={"intent": intent})
    assert_ran_ok(plan, "Plan")
    plan_md = (plan.workspace / "plan.md").read_text(encoding="utf-8")
    assert "`globex-us`" in plan_md and "mode test -> live" in plan_md
    assert "ap-team@globex.example" in plan_md  # the routine part of the same change
    assert "acme-emea" not in plan_md  # --changed-since HEAD^1: only what the PR touches
    assert plan_md in plan.step("Plan").summary
    plan_json = json.loads((plan.workspace / "plan.json").read_text(encoding="utf-8"))
    assert plan_json["kind"] == "coupa-gitops-plan"
    assert any(c["gate"] == "go-live" and c["action"] != "no-op" for c in plan_json["changes"])

    set_gh_replies(actions, {"api repos/acme-corp/coupa-config/issues/7/labels": "bug\n"})
    comment = actions.run_job("pr.yml", "comment", event, needs={"intent": intent, "plan": plan})
    assert_ran_ok(comment, "Compose the comment", "Label go-live")
    assert actions.comments == [intent_md + "\n" + plan_md]
    calls = [c["args"] for c in actions.gh_calls()]
    assert calls == [
        ["api", f"repos/{OWNER_REPO}/issues/{PR_NUMBER}/labels", "--jq", ".[].name"],
        [
            "api",
            "--method",
            "POST",
            f"repos/{OWNER_REPO}/issues/{PR_NUMBER}/labels",
            "-f",
            "labels[]=go-live",
        ],
    ]

    # The label step's filter over the plan alone (the intent already says go-live above).
    assert _plan_filter_says_go_live(actions.artifacts / "plan" / "plan.json")


def _plan_filter_says_go_live(plan_json: Path) -> bool:
    """The `jq -e` filter pr.yml's label step applies to plan.json, as written there."""
    job = wf.load("pr.yml")["jobs"]["comment"]
    (script,) = [s["run"] for s in job["steps"] if s.get("name") == "Label go-live"]
    (jq_filter,) = re.findall(r"jq -e '([^']+)' artifacts/plan/plan\.json", script)
    proc = subprocess.run(["jq", "-e", jq_filter, str(plan_json)], capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr  # 0 true, 1 false; anything else: an error
    return proc.returncode == 0


def test_pull_request_with_routine_changes_only_removes_a_stale_go_live_label(
    actions: Actions,
) -> None:
    _base_with_globex_in_test(actions)

    def new_contact(repo: GitRepo) -> None:
        repo.replace(ACME, "procurement-ops@acme.example", "ap@acme.example")

    merge = actions.pull_request(new_contact)
    event = Event("pull_request", merge, ref=f"refs/pull/{PR_NUMBER}/merge")
    intent = actions.run_job("pr.yml", "intent", event)
    assert_ran_ok(intent, "Validate", "Intent (from git alone, no AWS access)")
    assert json.loads((intent.workspace / "intent.json").read_text(encoding="utf-8"))[
        "go_live"
    ] is (False)
    plan = actions.run_job("pr.yml", "plan", event, needs={"intent": intent})
    assert_ran_ok(plan, "Plan")
    assert "acme-emea: update" in (plan.workspace / "plan.md").read_text(encoding="utf-8")
    assert not _plan_filter_says_go_live(actions.artifacts / "plan" / "plan.json")

    set_gh_replies(actions, {"api repos/acme-corp/coupa-config/issues/7/labels": "go-live\n"})
    comment = actions.run_job("pr.yml", "comment", event, needs={"intent": intent, "plan": plan})
    assert_ran_ok(comment, "Compose the comment", "Label go-live")
    assert [c["args"] for c in actions.gh_calls()] == [
        ["api", f"repos/{OWNER_REPO}/issues/{PR_NUMBER}/labels", "--jq", ".[].name"],
        ["api", "--method", "DELETE", f"repos/{OWNER_REPO}/issues/{PR_NUMBER}/labels/go-live"],
    ]


def test_pull_request_with_an_invalid_file_annotates_it_and_comments_without_a_plan(
    actions: Actions,
) -> None:
    _base_with_globex_in_test(actions)

    def unquoted_account(repo: GitRepo) -> None:
        repo.replace(ACME, 'account: "111122223333"', "account: 111122223333")

    merge = actions.pull_request(unquoted_account)
    event = Event("pull_request", merge, ref=f"refs/pull/{PR_NUMBER}/merge")

    intent = actions.run_job("pr.yml", "intent", event)
    assert intent.result == "failure"
    validate = intent.step("Validate")
    assert validate.code == 1
    assert f"::error file={ACME},line=" in validate.out  # shown inline on the PR diff
    assert "spec.account" in validate.out
    assert_ran_ok_step(intent, "Intent (from git alone, no AWS access)")  # if: !cancelled()
    assert (actions.artifacts / "intent" / "intent.md").exists()

    plan = actions.run_job("pr.yml", "plan", event, needs={"intent": intent})
    assert plan.result == "skipped"  # a needed job failed

    comment = actions.run_job("pr.yml", "comment", event, needs={"intent": intent, "plan": plan})
    assert_ran_ok(comment, "Compose the comment", "Label go-live")
    (text,) = actions.comments
    assert text.startswith("## coupa-gitops intent")
    assert "_No plan: the config does not validate, or the repository variable" in text


def test_pull_request_from_a_fork_gets_validation_and_intent_without_any_aws_access(
    actions: Actions,
) -> None:
    actions.commit("as shipped")
    merge = actions.pull_request(_globex_goes_live_again)
    event = Event("pull_request", merge, ref=f"refs/pull/{PR_NUMBER}/merge", fork=True)

    intent = actions.run_job("pr.yml", "intent", event)
    assert_ran_ok(intent, "Validate", "Intent (from git alone, no AWS access)")
    summary = intent.step("Intent (from git alone, no AWS access)").summary
    assert "| `globex-us` | edit | `live` → `suspended` | suspends a live integration" in summary
    plan = actions.run_job("pr.yml", "plan", event, needs={"intent": intent})
    assert plan.result == "skipped"
    comment = actions.run_job("pr.yml", "comment", event, needs={"intent": intent, "plan": plan})
    assert comment.result == "skipped"
    assert actions.gh_calls() == []


def _globex_goes_live_again(repo: GitRepo) -> None:
    repo.replace(GLOBEX, "  mode: live\n", "  mode: suspended\n")


# --- apply.yml and verify-endpoint.yml ------------------------------------------------------

APPLY_STEP = "Apply routine changes (go-live changes stay pending)"
REMAINING_STEP = "What waits for approval"
GO_LIVE_STEP = "Apply the approved go-live plan"
VERIFY_STEP = "Verify the endpoint"


def _verify(actions: Actions, sha: str, name: str, code: str = "", live: bool = False) -> JobResult:
    """The `mode` job, then the verify job it routes to (the other one is skipped)."""
    event = Event("workflow_dispatch", sha, inputs={"name": name, "code": code})
    mode = actions.run_job("verify-endpoint.yml", "mode", event)
    assert mode.result == "success", _job_log(mode)
    assert mode.outputs == {"live": "true" if live else "false"}
    ran, skipped = ("verify-endpoint-go-live", "verify-endpoint")[:: 1 if live else -1]
    other = actions.run_job("verify-endpoint.yml", skipped, event, needs={"mode": mode})
    assert other.result == "skipped"
    return actions.run_job("verify-endpoint.yml", ran, event, needs={"mode": mode})


def test_push_applies_routine_changes_and_the_approved_go_live_job_applies_the_rest(
    actions: Actions,
) -> None:
    # 1. The first push: both integrations, both in test. All routine; nothing waits.
    actions.origin.replace(GLOBEX, "  mode: live\n", "  mode: test\n")
    first = actions.commit("two integrations, in test")
    push = Event("push", first)
    apply = actions.run_job("apply.yml", "apply", push, secrets=SECRETS)
    assert_ran_ok(apply, APPLY_STEP, REMAINING_STEP)
    out = apply.step(APPLY_STEP).out
    assert "done  acme-emea: create" in out and "done  globex-us: create" in out
    assert apply.outputs == {"pending": ""}
    assert apply.step(APPLY_STEP).summary.startswith("### coupa-gitops apply")
    assert not (actions.artifacts / "go-live-plan").exists()
    go_live = actions.run_job("apply.yml", "go-live", push, needs={"apply": apply})
    assert go_live.result == "skipped"
    assert actions.live("acme-emea")["Contacts"][0]["Email"] == "procurement-ops@acme.example"

    # 2. verify-endpoint.yml, dispatched by hand: send a code, a wrong code, the right code.
    arn = actions.arn_of("globex-us")
    sent = _verify(actions, first, "globex-us")
    assert_ran_ok(sent, VERIFY_STEP)
    assert "Validation code sent for globex-us" in sent.step(VERIFY_STEP).out
    wrong = _verify(actions, first, "globex-us", "000000")
    assert wrong.result == "failure" and wrong.step(VERIFY_STEP).code == 1
    assert "VerifyProcurementPortalValidation" in wrong.step(VERIFY_STEP).err
    code = actions.control.validation_code(arn)
    verified = _verify(actions, first, "globex-us", code)
    assert_ran_ok(verified, VERIFY_STEP)
    assert "Endpoint of globex-us verified" in verified.step(VERIFY_STEP).out
    assert actions.statuses("globex-us") == ("VALIDATED", "VALIDATED")
    actions.control.set_connection_test(arn, True)  # the Coupa side passes its test
    assert actions.statuses("globex-us") == ("TEST_INITIALIZED", "TEST_INITIALIZED")

    # 3. The second push: globex-us goes live (go-live), acme-emea's contact (routine).
    actions.origin.replace(GLOBEX, "  mode: test\n", "  mode: live\n")
    actions.origin.replace(ACME, "procurement-ops@acme.example", "ap@acme.example")
    second = actions.commit("globex-us goes live; acme-emea has a new contact")
    push = Event("push", second)
    apply = actions.run_job("apply.yml", "apply", push, secrets=SECRETS)
    assert_ran_ok(apply, APPLY_STEP, REMAINING_STEP)
    assert (
        "Pending go-live (needs approval in the go-live job):\n  - globex-us: mode test -> live"
        in (apply.step(APPLY_STEP).out)
    )
    assert actions.live("acme-emea")["Contacts"][0]["Email"] == "ap@acme.example"
    assert actions.statuses("globex-us") == ("TEST_INITIALIZED", "TEST_INITIALIZED")
    assert apply.step(REMAINING_STEP).outputs == {"pending": "true"}
    assert apply.outputs == {"pending": "true"}
    summary = apply.step(REMAINING_STEP).summary
    assert summary.startswith("## Waiting for approval in the go-live environment")
    assert "| `globex-us` | mode test -> live | 444455556666 | :white_check_mark:" in summary
    assert "acme-emea" not in summary  # done already
    assert (actions.artifacts / "go-live-plan" / "go-live-plan.json").exists()

    # 4. A reviewer approves the go-live environment: the job applies the saved plan.
    go_live = actions.run_job("apply.yml", "go-live", push, needs={"apply": apply}, secrets=SECRETS)
    assert_ran_ok(go_live, GO_LIVE_STEP)
    assert "done  globex-us: mode test -> live" in go_live.step(GO_LIVE_STEP).out
    assert go_live.step(GO_LIVE_STEP).summary.startswith("### coupa-gitops apply")
    assert actions.statuses("globex-us") == ("ACTIVE", "ACTIVE")
    assert actions.cli("plan", "--detailed-exitcode").code == 0  # AWS matches git


def test_verify_endpoint_of_a_live_integration_runs_in_the_go_live_job(actions: Actions) -> None:
    """The file on main says live: the handshake waits for the go-live environment's reviewers
    and runs with the go-live role; the apply job (the apply role) is skipped."""
    _base_with_globex_in_test(actions)
    actions.origin.replace(GLOBEX, "  mode: test\n", "  mode: live\n")
    sha = actions.commit("globex-us goes live")
    sent = _verify(actions, sha, "globex-us", live=True)
    assert_ran_ok(sent, VERIFY_STEP)
    assert "Validation code sent for globex-us" in sent.step(VERIFY_STEP).out


def test_verify_endpoint_of_an_unknown_integration_fails_before_any_aws_access(
    actions: Actions,
) -> None:
    sha = actions.commit("as shipped")
    event = Event("workflow_dispatch", sha, inputs={"name": "nope", "code": ""})
    mode = actions.run_job("verify-endpoint.yml", "mode", event)
    assert mode.result == "failure"
    assert (
        "no integration named 'nope' under config/"
        in mode.step("Is the integration live or suspended?").err
    )
    for job in ("verify-endpoint", "verify-endpoint-go-live"):
        assert actions.run_job("verify-endpoint.yml", job, event, needs={"mode": mode}).result == (
            "skipped"
        )


def test_push_after_which_readiness_is_done_needs_a_rerun_since_the_saved_plan_is_stale(
    actions: Actions,
) -> None:
    """The shipped example in one push: globex-us is created in test and its go-live waits.
    Validating and testing it changes the preference, so the plan the go-live job was to
    apply is stale and refused (by design: apply --plan refuses it if AWS changed); re-running
    the workflow plans again and the approved go-live job applies it."""
    sha = actions.commit("the shipped example: acme-emea in test, globex-us live")
    push = Event("push", sha)
    apply = actions.run_job("apply.yml", "apply", push, secrets=SECRETS)
    assert_ran_ok(apply, APPLY_STEP, REMAINING_STEP)
    assert apply.outputs == {"pending": "true"}
    assert "| `globex-us` | mode test -> live | 444455556666 | :x: **not ready** |" in (
        apply.summary
    )

    arn = actions.arn_of("globex-us")
    # The file says live, so the handshake runs in the go-live environment.
    assert_ran_ok(_verify(actions, sha, "globex-us", live=True), VERIFY_STEP)
    code = actions.control.validation_code(arn)
    assert_ran_ok(_verify(actions, sha, "globex-us", code, live=True), VERIFY_STEP)
    actions.control.set_connection_test(arn, True)

    stale = actions.run_job("apply.yml", "go-live", push, needs={"apply": apply}, secrets=SECRETS)
    assert stale.result == "failure"
    assert stale.step(GO_LIVE_STEP).code == 1
    assert "the plan is stale" in stale.step(GO_LIVE_STEP).err
    assert actions.statuses("globex-us") == ("TEST_INITIALIZED", "TEST_INITIALIZED")

    shutil.rmtree(actions.artifacts)  # "Re-run all jobs": a new attempt, new artifacts
    apply = actions.run_job("apply.yml", "apply", push, secrets=SECRETS)
    assert_ran_ok(apply, APPLY_STEP, REMAINING_STEP)
    assert "Apply complete: 0 change(s) done." in apply.step(APPLY_STEP).out
    assert "| `globex-us` | mode test -> live | 444455556666 | :white_check_mark: ready |" in (
        apply.summary
    )
    go_live = actions.run_job("apply.yml", "go-live", push, needs={"apply": apply}, secrets=SECRETS)
    assert_ran_ok(go_live, GO_LIVE_STEP)
    assert actions.statuses("globex-us") == ("ACTIVE", "ACTIVE")


def test_push_with_a_delete_is_blocked_whole_and_the_go_live_job_applies_it(
    actions: Actions,
) -> None:
    """Exit 3 from the routine apply (a delete needs --allow-delete) is a notice, not a
    failure: nothing is changed, and the whole change waits for the go-live job."""
    actions.origin.replace(GLOBEX, "  mode: live\n", "  mode: test\n")
    apac = actions.origin.read(ACME).replace("name: acme-emea", "name: acme-apac")
    apac = apac.replace("identity: ACME-EMEA}", "identity: ACME-APAC}")
    actions.origin.write("config/integrations/acme-apac.yaml", apac)
    actions.commit("three integrations, in test")
    assert actions.cli("apply", "--auto-approve").code == 0
    assert len(actions.arns("acme-apac")) == 1

    (actions.origin.path / "config/integrations/acme-apac.yaml").unlink()
    actions.origin.replace(ACME, "procurement-ops@acme.example", "ap@acme.example")
    push = Event("push", actions.commit("acme-apac is gone; acme-emea has a new contact"))
    apply = actions.run_job("apply.yml", "apply", push, secrets=SECRETS)
    assert_ran_ok(apply, APPLY_STEP, REMAINING_STEP)
    step = apply.step(APPLY_STEP)
    assert (
        "::notice::A replace or delete needs approval: this change waits for the go-live job"
        in (step.out)
    )
    assert "blocked: " in step.err and "--allow-delete" in step.err
    assert actions.live("acme-emea")["Contacts"][0]["Email"] == "procurement-ops@acme.example"
    assert apply.outputs == {"pending": "true"}
    assert "acme-apac: delete" in apply.summary

    go_live = actions.run_job("apply.yml", "go-live", push, needs={"apply": apply}, secrets=SECRETS)
    assert_ran_ok(go_live, GO_LIVE_STEP)
    assert actions.live("acme-emea")["Contacts"][0]["Email"] == "ap@acme.example"
    assert actions.arns("acme-apac") == []


def test_push_deleting_the_only_integration_of_an_account_deletes_it_after_approval(
    actions: Actions,
) -> None:
    # No remaining file names acme-emea's account; the full-history checkout still finds it.
    actions.origin.replace(GLOBEX, "  mode: live\n", "  mode: test\n")
    actions.commit("two integrations, in test, in two accounts")
    assert actions.cli("apply", "--auto-approve").code == 0
    (actions.origin.path / ACME).unlink()
    push = Event("push", actions.commit("acme-emea is gone"))
    apply = actions.run_job("apply.yml", "apply", push, secrets=SECRETS)
    assert_ran_ok(apply, APPLY_STEP, REMAINING_STEP)
    assert apply.outputs == {"pending": "true"}, apply.step(APPLY_STEP).out
    assert len(actions.arns("acme-emea")) == 1  # the routine job deletes nothing
    go_live = actions.run_job("apply.yml", "go-live", push, needs={"apply": apply}, secrets=SECRETS)
    assert_ran_ok(go_live, GO_LIVE_STEP)
    assert actions.arns("acme-emea") == []


# --- drift.yml ----------------------------------------------------------------------------------

DRIFT_STEP = "Plan everything"
OPEN_STEP = "Open or update the drift issue"
CLOSE_STEP = "Close the drift issue"
RUN_URL = f"https://github.com/{OWNER_REPO}/actions/runs/{RUN_ID}"
ISSUE_LIST = [
    "issue",
    "list",
    "--state",
    "open",
    "--limit",
    "100",
    "--json",
    "number,title",
    "--jq",
    f'[.[] | select(.title == "{DRIFT_TITLE}")][0].number // empty',
]


def _drift(actions: Actions, sha: str, open_issue: str = "") -> JobResult:
    set_gh_replies(actions, {"issue list": f"{open_issue}\n" if open_issue else ""})
    return actions.run_job("drift.yml", "drift", Event("schedule", sha))


def test_drift_exits_0_when_clean_and_2_with_the_drift_in_one_issue(actions: Actions) -> None:
    sha = _base_with_globex_in_test(actions)

    # Clean (and the plan role reads no secrets): exit 0; an open drift issue is closed.
    clean = _drift(actions, sha)
    assert_ran_ok(clean, DRIFT_STEP, CLOSE_STEP)
    assert clean.step(DRIFT_STEP).outputs == {"exitcode": "0"}
    assert not clean.step(OPEN_STEP).ran
    assert [c["args"] for c in actions.gh_calls()] == [ISSUE_LIST]
    clean = _drift(actions, sha, open_issue="12")
    assert_ran_ok(clean, CLOSE_STEP)
    calls = actions.gh_calls()
    assert [c["args"] for c in calls] == [
        ISSUE_LIST,
        ["issue", "close", "12", "--comment", f"AWS matches git again ({RUN_URL})."],
    ]
    token = hashlib.sha256(GITHUB_TOKEN.encode()).hexdigest()
    assert {(c["token"], c["repo"]) for c in calls} == {(token, OWNER_REPO)}

    # Someone edits acme-emea in the console.
    arn = actions.arn_of("acme-emea")
    actions.control.drift(arn, {"Contacts": [{"Name": "Console", "Email": "x@acme.example"}]})
    drifted = _drift(actions, sha)
    assert_ran_ok(drifted, DRIFT_STEP, OPEN_STEP)
    step = drifted.step(DRIFT_STEP)
    assert step.outputs == {"exitcode": "2"}
    drift_md = (drifted.workspace / "drift.md").read_text(encoding="utf-8")
    assert "acme-emea: update" in drift_md and "x@acme.example" in drift_md
    assert "globex-us" not in drift_md.split("\n", 1)[1]  # only the summary line counts it
    assert drift_md in step.summary
    assert not drifted.step(CLOSE_STEP).ran
    (listed, created) = actions.gh_calls()
    assert listed["args"] == ISSUE_LIST
    assert created["args"] == ["issue", "create", "--title", DRIFT_TITLE, "--body-file", "body.md"]
    assert created["body"].startswith(
        f"The live configuration in AWS differs from `main`. Found by [this run]({RUN_URL})."
    )
    assert created["body"].endswith(drift_md)

    drifted = _drift(actions, sha, open_issue="12")
    assert_ran_ok(drifted, OPEN_STEP)
    (_, edited) = actions.gh_calls()
    assert edited["args"] == ["issue", "edit", "12", "--body-file", "body.md"]


def test_drift_plan_error_fails_the_job_and_touches_no_issue(actions: Actions) -> None:
    sha = _base_with_globex_in_test(actions)
    actions.variables["COUPA_GITOPS_PLAN_ROLE_ARN"] = (
        "arn:aws:iam::999999999999:role/coupa-gitops-plan"  # a role in the wrong account
    )
    failed = _drift(actions, sha)
    assert failed.result == "failure"
    step = failed.step(DRIFT_STEP)
    assert step.code == 1 and step.outputs == {"exitcode": "1"}
    assert step.err.startswith("error: ")
    assert not failed.step(OPEN_STEP).ran and not failed.step(CLOSE_STEP).ran
    assert actions.gh_calls() == []


# --- ci.yml ---------------------------------------------------------------------------------

CODEOWNERS_STEP = "CODEOWNERS matches metadata.approvers"


def test_ci_codeowners_check_passes_on_this_repository_and_fails_when_out_of_date(
    actions: Actions,
) -> None:
    push = Event("push", "0" * 40)
    if (ROOT / ".venv" / "bin" / "activate").exists():  # ci.yml's `make test` made it
        here = actions.run_job("ci.yml", "ci", push, only={CODEOWNERS_STEP}, workspace=ROOT)
        assert_ran_ok(here, CODEOWNERS_STEP)

    repo = actions.origin.path
    (repo / ".venv").symlink_to(BIN.parent)
    (repo / ".git" / "info" / "exclude").write_text(".venv\n", encoding="utf-8")
    # as shipped: the CODEOWNERS copied from this repository also owns its change windows file
    shutil.copytree(ROOT / "config" / "change-windows", repo / "config" / "change-windows")
    actions.commit("as shipped")
    ok = actions.run_job("ci.yml", "ci", push, only={CODEOWNERS_STEP}, workspace=repo)
    assert_ran_ok(ok, CODEOWNERS_STEP)
    actions.origin.replace(ACME, '["@acme/procurement-admins"]', '["@acme/ap-leads"]')
    stale = actions.run_job("ci.yml", "ci", push, only={CODEOWNERS_STEP}, workspace=repo)
    assert stale.result == "failure"
    step = stale.step(CODEOWNERS_STEP)
    assert step.code == 1
    assert "+/config/integrations/acme-emea.yaml @acme/ap-leads" in step.out + step.err
