"""`coupa-gitops verify-endpoint` and `import`'s arguments (the commands: commands/aws_tools.py)."""

from __future__ import annotations

import argparse

from controller.commands.args import SubParsers, add_named_paths, paths_of


def add_verify_endpoint_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "verify-endpoint",
        help="the endpoint validation handshake: send a code, then confirm it",
        description="Without --code: ask AWS to send a validation code to the integration's "
        "Coupa endpoint. With --code: submit the code the Coupa administrator received, "
        "which moves the features to VALIDATED.",
    )
    p.add_argument("name", metavar="NAME", help="metadata.name of the integration")
    add_named_paths(p)
    p.add_argument("--code", help="the validation code received in Coupa")
    p.set_defaults(run=run_verify_endpoint)


def run_verify_endpoint(args: argparse.Namespace) -> int:
    from controller import commands  # through the package: tests patch it there

    return commands.verify_endpoint_command(paths_of(args), args.name, args.code)


def add_import_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "import",
        help="adopt an existing (unmanaged) preference for an integration file",
        description="Tag an existing preference that coupa-gitops does not manage yet with "
        "coupa-gitops:name=NAME, after checking it has the same portal, buyer and supplier "
        "as the file. Nothing is ever adopted silently.",
    )
    p.add_argument("name", metavar="NAME", help="metadata.name of the integration to adopt it")
    add_named_paths(p)
    p.add_argument("--arn", required=True, help="ARN of the preference to adopt")
    p.set_defaults(run=run_import)


def run_import(args: argparse.Namespace) -> int:
    from controller import commands  # through the package: tests patch it there

    return commands.import_command(paths_of(args), args.name, args.arn)


def add_coupa_setup_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "coupa-setup",
        help="the values for Coupa's punch-out site form (no Coupa API exists for it)",
        description="Print what a Coupa administrator enters in the punch-out site form, for "
        "the production and the test instance, from the integration file. Secrets are shown "
        "only as their reference. Reads neither AWS nor Coupa.",
    )
    p.add_argument("name", metavar="NAME", help="metadata.name of the integration")
    add_named_paths(p)
    p.set_defaults(run=run_coupa_setup)


def run_coupa_setup(args: argparse.Namespace) -> int:
    from controller import commands  # through the package: tests patch it there

    return commands.coupa_setup_command(paths_of(args), args.name)
