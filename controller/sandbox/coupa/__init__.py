"""The Coupa emulator, served by the sandbox next to the AWS one (same process and port).

Modules: `model` (fields, rules, filters and every "not confirmed" choice), `app`
(`CoupaEmulator`: tokens, tenants, rate limit, faults), `control_routes` (its test hooks),
`http` (the hook the sandbox's handler calls), `control` (`CoupaControl`, client of
`/_sandbox/coupa/...`).
"""

from controller.sandbox.coupa.app import CoupaEmulator
from controller.sandbox.coupa.control import CoupaControl

__all__ = ["CoupaControl", "CoupaEmulator"]
