"""Argument helpers the commands' parsers share: PATHS, NAME [PATHS], --shard, --concurrency.

Every `*_args` module imports only this and the standard library, so that building the parser
(`--help`, `--version`, `validate`) loads no command, provider or cloud SDK.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from controller.engine.shard import Shard

# What `ArgumentParser.add_subparsers()` returns; generic only in the stubs.
SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
# What every parser sets as its `run` default: the command, given the parsed arguments.
Run: TypeAlias = Callable[[argparse.Namespace], int]


def add_paths(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "paths", nargs="*", default=["config/"], metavar="PATHS", help="default: config/"
    )


def add_named_paths(p: argparse.ArgumentParser) -> None:
    """PATHS after NAME, as every command takes them; --config PATH still works (older)."""
    p.add_argument("paths", nargs="*", metavar="PATHS", help="config paths (default: config/)")
    p.add_argument(
        "--config",
        dest="config_paths",
        action="append",
        default=[],
        metavar="PATH",
        help="a config path, the older spelling of PATHS (repeatable)",
    )


def paths_of(args: argparse.Namespace) -> list[str]:
    """The PATHS and --config values of `add_named_paths`, else config/."""
    paths: list[str] = [*args.paths, *args.config_paths]
    return paths or ["config/"]


def shard(text: str) -> Shard:
    from controller.engine.shard import Shard

    try:
        return Shard.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def moment(text: str) -> datetime:
    """An ISO 8601 date or date-time; without an offset it is UTC."""
    from datetime import UTC

    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 time, e.g. 2027-01-31T09:00+01:00 or 2027-01-31"
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def add_scale(p: argparse.ArgumentParser, concurrency: bool = True) -> None:
    """--shard (and --concurrency): options for estates of many accounts."""
    p.add_argument(
        "--shard",
        type=shard,
        metavar="K/N",
        help="cover only the K-th of N parts of the accounts, split by a stable hash of the "
        "account id (a GitHub Actions matrix of N jobs covers them all)",
    )
    if concurrency:
        p.add_argument(
            "--concurrency",
            type=positive,
            default=8,
            metavar="N",
            help="AWS calls in flight at most (default 8; the billing APIs throttle, and "
            "throttled calls are retried with backoff)",
        )
