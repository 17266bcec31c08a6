"""The one error of the sandbox's control endpoints (`/_sandbox/...`), AWS and Coupa sides alike.

The emulators raise it to refuse a control request; the handler answers `{"error": message}`
with its `status`; the control clients raise it again from that answer. Sandbox-only, not
shaped like AWS's or Coupa's own errors.
"""

from __future__ import annotations


class ControlError(Exception):
    """A refused control request (`status` is its HTTP status, `message` the reason)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"sandbox control error {status}: {message}")
        self.status = status
        self.message = message
