"""`coupa-gitops validate`, run as a real subprocess the way users and CI run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# A small valid integration; NAME is replaced per file.
#  1 apiVersion  4 name     7 mode      10 instanceUrl  13 sharedSecret  16 purchaseOrderRetrieval
#  2 kind        5 spec:    8 contact   11 buyer        14 punchout
#  3 metadata:   6 account  9 production 12 supplier    15 einvoice
DOC = """\
apiVersion: coupa-gitops/v1
kind: CoupaIntegration
metadata:
  name: NAME
spec:
  account: "111122223333"
  mode: test
  contact: {name: Ops, email: ops@acme.example}
  production:
    instanceUrl: https://acme.coupahost.com
    buyer: {domain: NetworkID, identity: ACME-NAME}
    supplier: {domain: NetworkID, identity: AWS-MARKETPLACE}
    sharedSecret: {env: ACME_SECRET}
  punchout: {enabled: false}
  einvoice: {enabled: false}
  purchaseOrderRetrieval: {enabled: true}
"""

MODE_TYPO = "must be one of test, live, suspended; did you mean `test`?"
EMAIL = "must be an email address like procurement-ops@example.com"
QUOTE_ACCOUNT = 'must be text; put it in quotes so YAML keeps it as written: "111122223333"'


def doc(name: str, *changes: tuple[str, str]) -> str:
    text = DOC.replace("NAME", name)
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m controller.cli ARGS` in `cwd`; no run may end in a traceback."""
    environ = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environ.get("PYTHONPATH")]))
    environ.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "controller.cli", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert "Traceback" not in done.stdout, done.stdout
    return done


@pytest.fixture
def valid_dir(tmp_path: Path) -> Path:
    (tmp_path / "config" / "sub").mkdir(parents=True)
    (tmp_path / "config" / "alpha.yaml").write_text(doc("alpha"), encoding="utf-8")
    (tmp_path / "config" / "sub" / "beta.yml").write_text(doc("beta"), encoding="utf-8")
    return tmp_path


@pytest.fixture
def invalid_dir(tmp_path: Path) -> Path:
    """b.yaml: one problem; a.yaml: two; c.yaml: none."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "b.yaml").write_text(
        doc("beta", ('account: "111122223333"', "account: 111122223333")), encoding="utf-8"
    )
    (config / "a.yaml").write_text(
        doc(
            "alpha",
            ("email: ops@acme.example", "email: nobody"),
            ("mode: test", "mode: tset"),
        ),
        encoding="utf-8",
    )
    (config / "c.yaml").write_text(doc("gamma"), encoding="utf-8")
    return tmp_path


EXPECTED_LINES = [
    f"config/a.yaml:7:9: spec.mode: {MODE_TYPO}",
    f"config/a.yaml:8:31: spec.contact.email: {EMAIL}",
    f"config/b.yaml:6:12: spec.account: {QUOTE_ACCOUNT}",
]
EXPECTED_JSON = [
    {"file": "config/a.yaml", "line": 7, "col": 9, "path": "spec.mode", "message": MODE_TYPO},
    {"file": "config/a.yaml", "line": 8, "col": 31, "path": "spec.contact.email", "message": EMAIL},
    {
        "file": "config/b.yaml",
        "line": 6,
        "col": 12,
        "path": "spec.account",
        "message": QUOTE_ACCOUNT,
    },
]


# --- text output ------------------------------------------------------------------------------


def test_valid_files_exit_0_with_a_one_line_summary(valid_dir):
    done = run_cli("validate", "config/", cwd=valid_dir)
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "2 files valid (2 integrations)\n",
        "",
    )


def test_the_default_path_is_config_in_the_working_directory(valid_dir):
    done = run_cli("validate", cwd=valid_dir)
    assert (done.returncode, done.stdout) == (0, "2 files valid (2 integrations)\n")


def test_the_repositorys_own_config_validates_by_default():
    files = [p for p in (REPO / "config").rglob("*") if p.suffix in (".yaml", ".yml")]
    done = run_cli("validate", cwd=REPO)
    assert done.returncode == 0, done.stdout
    calendars = [p for p in files if "kind: ChangeWindows" in p.read_text(encoding="utf-8")]
    integrations, windows = len(files) - len(calendars), len(calendars)
    assert done.stdout == (
        f"{len(files)} files valid ({integrations} integrations, {windows} change windows file)\n"
    )


def test_invalid_files_exit_1_with_one_line_per_problem_sorted_by_file_and_line(invalid_dir):
    done = run_cli("validate", "config/", cwd=invalid_dir)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [*EXPECTED_LINES, "3 problems in 2 of 3 files"]
    assert done.stderr == ""


def test_a_single_file_can_be_validated(invalid_dir):
    done = run_cli("validate", "config/b.yaml", cwd=invalid_dir)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [EXPECTED_LINES[2], "1 problem in 1 of 1 file"]


def test_several_paths_are_validated_together(invalid_dir):
    done = run_cli("validate", "config/c.yaml", "config/b.yaml", cwd=invalid_dir)
    assert done.stdout.splitlines() == [EXPECTED_LINES[2], "1 problem in 1 of 2 files"]


def test_a_missing_path_is_a_clear_error_not_a_traceback(tmp_path):
    done = run_cli("validate", "nope/", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "nope/:1:1: no such file or directory",
        "1 problem in 1 of 1 file",
    ]


def test_a_missing_default_config_directory_is_a_clear_error(tmp_path):
    done = run_cli("validate", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == "config/:1:1: no such file or directory"


def test_a_directory_without_yaml_files_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not config\n", encoding="utf-8")
    done = run_cli("validate", "empty/", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "no *.yaml or *.yml files under empty/\n"


def test_a_binary_file_is_reported_not_a_crash(tmp_path):
    (tmp_path / "junk.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    done = run_cli("validate", "junk.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == "junk.yaml:1:1: file is not valid UTF-8; save it as UTF-8"


def test_an_unknown_format_is_a_usage_error(tmp_path):
    done = run_cli("validate", "--format", "xml", cwd=tmp_path)
    assert done.returncode == 2
    assert "invalid choice: 'xml'" in done.stderr


def test_a_pasted_secret_never_reaches_the_output(tmp_path):
    canary = "hunter2-CLI-CANARY"
    (tmp_path / "a.yaml").write_text(
        doc("alpha", ("sharedSecret: {env: ACME_SECRET}", f"sharedSecret: {canary}")),
        encoding="utf-8",
    )
    for fmt in ("text", "json"):
        done = run_cli(
            "validate", "--format", fmt, "a.yaml", cwd=tmp_path, env={"GITHUB_ACTIONS": "true"}
        )
        assert done.returncode == 1
        assert "spec.production.sharedSecret" in done.stdout
        assert canary not in done.stdout + done.stderr


# --- JSON output ------------------------------------------------------------------------------


def test_json_output_lists_every_problem_with_its_fields(invalid_dir):
    done = run_cli("validate", "--format", "json", "config/", cwd=invalid_dir)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report == {"valid": False, "files": 3, "problems": EXPECTED_JSON}
    assert done.stderr == "3 problems in 2 of 3 files\n"


def test_json_output_of_valid_files_has_an_empty_problem_list(valid_dir):
    done = run_cli("validate", "--format", "json", cwd=valid_dir)
    assert done.returncode == 0
    assert json.loads(done.stdout) == {"valid": True, "files": 2, "problems": []}


# --- GitHub Actions annotations ----------------------------------------------------------------


def test_github_actions_gets_error_annotations_for_every_problem(invalid_dir):
    done = run_cli("validate", "config/", cwd=invalid_dir, env={"GITHUB_ACTIONS": "true"})
    assert done.returncode == 1
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::error ")]
    assert annotations == [
        f"::error file=config/a.yaml,line=7,col=9::spec.mode: {MODE_TYPO}",
        f"::error file=config/a.yaml,line=8,col=31::spec.contact.email: {EMAIL}",
        f"::error file=config/b.yaml,line=6,col=12::spec.account: {QUOTE_ACCOUNT}",
    ]
    assert [line for line in done.stdout.splitlines() if not line.startswith("::")] == [
        *EXPECTED_LINES,
        "3 problems in 2 of 3 files",
    ]


def test_without_github_actions_there_are_no_annotations(invalid_dir):
    done = run_cli("validate", "config/", cwd=invalid_dir, env={"GITHUB_ACTIONS": "false"})
    assert "::error" not in done.stdout + done.stderr


def test_with_json_the_annotations_go_to_stderr_and_stdout_stays_json(invalid_dir):
    done = run_cli(
        "validate", "--format", "json", "config/", cwd=invalid_dir, env={"GITHUB_ACTIONS": "true"}
    )
    assert json.loads(done.stdout)["problems"] == EXPECTED_JSON
    assert done.stderr.splitlines()[0] == (
        f"::error file=config/a.yaml,line=7,col=9::spec.mode: {MODE_TYPO}"
    )


def test_annotation_properties_are_escaped(tmp_path):
    (tmp_path / "a,b:c.yaml").write_text(
        doc("alpha", ("mode: test", "mode: tset")), encoding="utf-8"
    )
    done = run_cli("validate", ".", cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    # The name itself is refused now (rules.file_name_problem); its annotation still points at it.
    assert any(
        line.startswith("::error file=a%2Cb%3Ac.yaml,line=1,col=1::the file name contains")
        for line in done.stdout.splitlines()
    )


# --- start-up cost ------------------------------------------------------------------------------

PROBE = """\
import sys
from controller.cli import main
code = main(["validate", *sys.argv[1:]])
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"boto3", "botocore", "git", "moto"})
print("RESULT", code, ",".join(heavy) or "-", file=sys.stderr)
"""


@pytest.mark.parametrize("fixture", ["valid_dir", "invalid_dir"])
def test_validate_does_not_import_boto3(fixture, request):
    cwd = request.getfixturevalue(fixture)
    environ = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "config/"],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in done.stderr, done.stderr
    expected_code = 0 if fixture == "valid_dir" else 1
    assert done.stderr.splitlines()[-1] == f"RESULT {expected_code} -"
