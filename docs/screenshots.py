"""Regenerate the reviewer's-view screenshots in docs/ (the PR comment, as GitHub shows it).

    python docs/screenshots.py          # needs markdown-it-py (test extra) and chromium

Builds two go-live plans from the shipped example files at fixed moments (no AWS, no clock):
acme-emea going live outside any change window, and inside the month-end close. Renders each
Markdown plan to HTML (GitHub-flavoured: tables, task lists, emoji, <details>), then takes a
headless Chromium screenshot sized to the page.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from controller.live import Target, to_live  # noqa: E402
from controller.plan import Plan, make_plan  # noqa: E402
from controller.state import Desired, Observed  # noqa: E402
from controller.translate import create_body, secret_digest  # noqa: E402
from markdown_it import MarkdownIt  # noqa: E402

from controller import render, spec  # noqa: E402
from controller.secrets import refs_of  # noqa: E402

BERLIN = ZoneInfo("Europe/Berlin")
SHOTS = {
    "reviewer-view.png": datetime(2027, 1, 12, 9, 30, tzinfo=BERLIN),
    "reviewer-view-window.png": datetime(2027, 1, 31, 9, 30, tzinfo=BERLIN),
}
EMOJI = {
    ":warning:": "⚠️",
    ":white_check_mark:": "✅",
    ":x:": "❌",
    ":no_entry:": "⛔",
    ":question:": "❓",
    ":rotating_light:": "🚨",
}
CSS = """
body { font: 14px/1.5 -apple-system, 'Segoe UI', 'Noto Sans', Helvetica, Arial, sans-serif,
       'Noto Color Emoji'; color: #1f2328; margin: 0; background: #fff; }
.comment { max-width: 880px; margin: 16px; border: 1px solid #d0d7de; border-radius: 6px; }
.head { background: #f6f8fa; border-bottom: 1px solid #d0d7de; padding: 8px 16px;
        color: #59636e; }
.body { padding: 8px 16px 16px; }
h3 { font-size: 1.25em; margin: 20px 0 12px; }
h4 { font-size: 1em; margin: 20px 0 8px; padding-top: 12px; border-top: 1px solid #d8dee4; }
code { background: rgba(129,139,152,.12); border-radius: 6px; padding: .2em .4em;
       font: 85% ui-monospace, 'DejaVu Sans Mono', monospace; }
pre { background: #f6f8fa; border-radius: 6px; padding: 12px; overflow: auto; }
pre code { background: none; padding: 0; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #d0d7de; padding: 6px 13px; }
th { background: #f6f8fa; }
ul { padding-left: 2em; margin: 4px 0 12px; }
li.task { list-style: none; margin-left: -1.4em; }
details { margin: 8px 0; } summary { cursor: pointer; color: #0969da; }
"""


def _integration(mode: str, activation: str):
    text = (ROOT / "config" / "integrations" / "acme-emea.yaml").read_text(encoding="utf-8")
    text = text.replace("mode: test ", f"mode: {mode} ", 1)
    text = text.replace("activationDate: 2026-10-01", f'activationDate: "{activation}"', 1)
    return spec.load_text("config/integrations/acme-emea.yaml", text)


def plan_at(now: datetime) -> Plan:
    """acme-emea tested and ready in AWS, its file asking for live, planned at `now`."""
    want, have = _integration("live", "2027-01-01"), _integration("test", "2027-01-01")
    secrets = {ref: f"example-{ref.name}" for ref in refs_of(want)}
    desired = Desired(want, tuple((r, secret_digest(v)) for r, v in secrets.items()))
    doc = create_body(have, secrets) | {
        "ProcurementPortalPreferenceArn": "arn:aws:invoicing::111122223333:procurement-portal"
        "-preference/acme-emea",
        "AwsAccountId": have.account,
        "Version": 7,
        "EinvoiceDeliveryPreferenceStatus": "TEST_INITIALIZED",
        "PurchaseOrderRetrievalPreferenceStatus": "TEST_INITIALIZED",
    }
    tags = [
        {"Key": k, "Value": v}
        for k, v in {
            "coupa-gitops:name": "acme-emea",
            "coupa-gitops:mode": "test",
            "cost-center": "4711",
        }.items()
    ]
    live = to_live(Target(have.account, have.region), doc, tags)
    windows = spec.load([ROOT / "config"]).windows
    return make_plan(
        [desired],
        Observed((live,)),
        today=now.date(),
        now=now,
        windows=windows,
        commit="4f2c9e1",
    )


def to_html(markdown: str) -> str:
    """GitHub-flavoured enough: tables, task lists, emoji shortcodes, raw <details>."""
    for code, glyph in EMOJI.items():
        markdown = markdown.replace(code, glyph)
    body = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    body = re.sub(r"<li>\[x\] ", '<li class="task"><input type="checkbox" checked disabled> ', body)
    body = re.sub(r"<li>\[ \] ", '<li class="task"><input type="checkbox" disabled> ', body)
    head = "<b>github-actions</b> bot commented · coupa-gitops plan"
    return (
        f"<!doctype html><meta charset=utf-8><title>0</title><style>{CSS}</style>"
        f'<div class="comment"><div class="head">{head}</div><div class="body">{body}</div></div>'
        "<script>document.title = document.querySelector('.comment').offsetHeight + 32"
        "</script>"
    )


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    raise SystemExit("chromium not found: apt-get install -y chromium")


def shoot(page: Path, out: Path, width: int = 920) -> None:
    browser = _chromium()
    common = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    dom = subprocess.run(
        [*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, check=True
    ).stdout
    height = int(html.unescape(re.search(r"<title>(\d+)</title>", dom).group(1)))
    subprocess.run(
        [*common, f"--window-size={width},{height}", f"--screenshot={out}", page.as_uri()],
        capture_output=True,
        check=True,
    )


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        for name, now in SHOTS.items():
            page = Path(tmp) / f"{name}.html"
            page.write_text(to_html(render.markdown(plan_at(now))), encoding="utf-8")
            shoot(page, ROOT / "docs" / name)
            print(f"wrote docs/{name} (plan at {now.isoformat()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
