"""A newcomer's `pip install .` (a wheel, not editable) runs `coupa-gitops demo` anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _clean_env() -> dict[str, str]:
    """No PYTHONPATH (a checkout on it would shadow the wheel) and no AWS settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
    return env | {"NO_COLOR": "1"}


def _run(*args: str | Path, cwd: Path, timeout: float = 300):
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the built wheel installed; dependencies come from this test's venv."""
    root = tmp_path_factory.mktemp("wheel")
    built = _run(sys.executable, "-m", "pip", "wheel", REPO, "--no-deps", "-w", root, cwd=root)
    assert built.returncode == 0, built.stderr
    (wheel,) = root.glob("coupa_gitops-*.whl")
    venv = root / "venv"
    assert _run(sys.executable, "-m", "venv", venv, cwd=root).returncode == 0
    python = venv / "bin" / "python"
    done = _run(python, "-m", "pip", "install", "--no-deps", "--no-index", wheel, cwd=root)
    assert done.returncode == 0, done.stderr
    # The dependencies without a download: this venv's site-packages, after the wheel's own.
    # (A .pth in a plain path entry is not executed, so an editable checkout stays out.)
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=root)
    deps = sysconfig.get_paths()["purelib"]
    Path(site.stdout.strip(), "zz-deps.pth").write_text(deps + "\n", encoding="utf-8")
    return venv


def test_the_installed_wheel_imports_its_own_code_not_a_checkout(installed, tmp_path):
    found = _run(
        installed / "bin" / "python",
        "-c",
        "import controller; print(controller.__file__)",
        cwd=tmp_path,
    )
    assert found.stdout.startswith(str(installed)), found


def test_demo_of_the_installed_wheel_runs_from_an_empty_directory(installed, tmp_path):
    result = _run(installed / "bin" / "coupa-gitops", "demo", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "No changes. 2 integration(s) match AWS." in result.stdout
    assert list(tmp_path.iterdir()) == []  # it worked in a temporary directory of its own


def _make_dry_run(target: str, tmp_path: Path) -> list[str]:
    venv = tmp_path / "no-venv-yet"
    result = _run("make", "-n", target, f"VENV={venv}", cwd=REPO)
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if "pip install" in line]


def test_make_demo_installs_only_what_the_demo_needs_and_shows_progress(tmp_path):
    installs = _make_dry_run("demo", tmp_path)
    (tool,) = [line for line in installs if "upgrade pip" not in line]
    assert tool.endswith("pip install --progress-bar on -e .")
    assert "[test]" not in "\n".join(installs)


def test_make_test_still_installs_the_test_tools(tmp_path):
    installs = _make_dry_run("test", tmp_path)
    assert any(line.endswith("-e '.[test]'") for line in installs)
