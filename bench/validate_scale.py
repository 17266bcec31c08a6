"""Validate N generated integration files; print files/second against the 500 files/s floor.

Usage: python bench/validate_scale.py [--files 1000]
The floor is the issue's target: 1,000 files in under 2 seconds on a 2-core machine.
Timed in-process (the loader and rules), and once more as the real CLI in a subprocess.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = 500.0  # files per second
TEMPLATE = (Path(__file__).resolve().parents[1] / "config/integrations/acme-emea.yaml").read_text()


def generate(root: Path, count: int) -> None:
    for i in range(count):
        text = TEMPLATE.replace("name: acme-emea", f"name: acme-{i:05d}")
        text = text.replace('"111122223333"', f'"{100000000000 + i}"')
        (root / f"team-{i % 20:02d}").mkdir(exist_ok=True)
        (root / f"team-{i % 20:02d}" / f"acme-{i:05d}.yaml").write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    from controller import config

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, args.files)
        start = time.perf_counter()
        result = config.load([root])
        seconds = time.perf_counter() - start
        assert not result.problems, result.problems[:3]
        assert len(result.integrations) == args.files
        rate = args.files / seconds
        print(f"in-process: {args.files} files in {seconds:.3f} s = {rate:,.0f} files/s")
        print(f"  ratio to the {FLOOR:.0f} files/s floor: {rate / FLOOR:.2f}x")

        start = time.perf_counter()
        cli = [sys.executable, "-m", "controller.cli", "validate", str(root)]
        done = subprocess.run(cli, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        assert done.returncode == 0, done.stdout + done.stderr
        rate = args.files / seconds
        print(f"CLI (with interpreter start): {seconds:.3f} s = {rate:,.0f} files/s")
        print(f"  ratio to the {FLOOR:.0f} files/s floor: {rate / FLOOR:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
