"""Command line: parses arguments, calls one function per command, maps outcomes to exit codes.

Each command adds its own subparser (commands/*_args.py, or the command's module where it is
light); the parsers import no command, so `--help` and `validate` load no provider.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable

from controller import __version__
from controller.commands import (
    apply_args,
    aws_tools_args,
    codeowners,
    demo_args,
    iam_policy_args,
    intent,
    plan_args,
    sandbox,
    status_args,
    validate_args,
)
from controller.commands.args import Run, SubParsers
from controller.errors import BlockedError, UserError

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_BLOCKED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

DESCRIPTION = """\
Run the AWS Marketplace <-> Coupa procurement integration as code.

Each integration is one YAML file under config/. The usual loop is:
  coupa-gitops validate            check every file (no AWS access needed)
  coupa-gitops plan                diff the files against AWS; changes nothing
  coupa-gitops apply               make AWS match the files (routine changes)
  coupa-gitops apply --allow-go-live   ...including go-live changes (approved job only)
  coupa-gitops status              what is live, per integration, and any drift

Try it all locally, no AWS account needed:
  coupa-gitops demo                sandbox + example config, end to end
  coupa-gitops sandbox             a local stand-in for the AWS Invoicing API

Exit codes: 0 ok, 1 error, 2 plan has changes (--detailed-exitcode),
3 blocked: a go-live/replace/delete needs its flag, or a change window is open.
"""


# The subcommands, in the order `--help` lists them.
COMMANDS: tuple[Callable[[SubParsers], None], ...] = (
    validate_args.add_parser,
    plan_args.add_parser,
    apply_args.add_parser,
    status_args.add_parser,
    aws_tools_args.add_verify_endpoint_parser,
    aws_tools_args.add_coupa_setup_parser,
    aws_tools_args.add_import_parser,
    demo_args.add_parser,
    intent.add_parser,
    codeowners.add_parser,
    iam_policy_args.add_parser,
    sandbox.add_parser,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coupa-gitops",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add_parser in COMMANDS:
        add_parser(sub)
    return parser


def _error(prefix: str, message: str) -> None:
    """Print an error: secrets this run resolved redacted (AWS may echo one), log-safe."""
    from controller import escape
    from controller.secrets import redact

    text = escape.terminal(redact(message), keep_newlines=True)
    print(f"{prefix}{text}" if prefix else text, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Run = args.run
    try:
        return run(args)
    except BlockedError as exc:
        _error("blocked: ", str(exc))
        return EXIT_BLOCKED
    except UserError as exc:
        _error("error: ", str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `coupa-gitops plan | head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except Exception:
        _error("", traceback.format_exc().rstrip("\n"))
        print(
            "\ncoupa-gitops hit a bug (the traceback above). Please report it with the command "
            "you ran; nothing in this message is a secret value.",
            file=sys.stderr,
        )
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
