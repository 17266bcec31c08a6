"""The project's small error hierarchy: only the CLI turns these into exit codes."""


class UserError(Exception):
    """A mistake the user can fix (bad input, missing permission): exit 1, no traceback."""


class BlockedError(UserError):
    """An action needs an approval flag the user did not give: exit 3."""
