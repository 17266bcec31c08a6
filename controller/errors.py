"""The project's small error hierarchy: only the CLI turns these into exit codes."""


class UserError(Exception):
    """A mistake the user can fix (bad input, missing permission): exit 1, no traceback."""


class AwsError(UserError):
    """An AWS API call failed; `code` is AWS's error code, for callers that expect some."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


class BlockedError(UserError):
    """An action needs an approval flag the user did not give: exit 3."""
