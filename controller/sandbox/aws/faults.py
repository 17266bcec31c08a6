"""Injected latency, throttling (429) and internal errors (500), from one seeded RNG."""

from __future__ import annotations

import random
import threading
from typing import Any

from controller.sandbox.aws.errors import (
    ApiError,
    InternalServerException,
    ThrottlingException,
)

_UNSET: Any = object()


class Faults:
    """Every API call draws exactly two numbers, so a seed fixes the whole sequence."""

    def __init__(
        self,
        latency_ms: float = 0,
        fault_rate: float = 0.0,
        throttle_rate: float = 0.0,
        seed: int | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self.latency_ms, self.fault_rate, self.throttle_rate = 0.0, 0.0, 0.0
        self.seed: int | None = None
        self._rng = random.Random()
        self.update(latency_ms=latency_ms, fault_rate=fault_rate, throttle_rate=throttle_rate)
        self.update(seed=seed)

    def update(
        self,
        latency_ms: float | None = None,
        fault_rate: float | None = None,
        throttle_rate: float | None = None,
        seed: int | None = _UNSET,
    ) -> dict[str, Any]:
        """Change the given settings (None leaves one as it is); a given seed restarts the RNG."""
        if latency_ms is not None and (_not_number(latency_ms) or latency_ms < 0):
            raise ValueError(f"latency_ms must be a number >= 0, got {latency_ms!r}")
        for name, rate in (("fault_rate", fault_rate), ("throttle_rate", throttle_rate)):
            if rate is not None and (_not_number(rate) or not 0.0 <= rate <= 1.0):
                raise ValueError(f"{name} must be a number between 0 and 1, got {rate!r}")
        if seed is not _UNSET and seed is not None and (_not_number(seed) or seed != int(seed)):
            raise ValueError(f"seed must be an integer, got {seed!r}")
        with self._lock:
            if latency_ms is not None:
                self.latency_ms = float(latency_ms)
            if fault_rate is not None:
                self.fault_rate = float(fault_rate)
            if throttle_rate is not None:
                self.throttle_rate = float(throttle_rate)
            if seed is not _UNSET:
                self.seed = None if seed is None else int(seed)
                self._rng = random.Random(self.seed)
            return self._settings()

    def settings(self) -> dict[str, Any]:
        with self._lock:
            return self._settings()

    def _settings(self) -> dict[str, Any]:
        return {
            "latency_ms": self.latency_ms,
            "fault_rate": self.fault_rate,
            "throttle_rate": self.throttle_rate,
            "seed": self.seed,
        }

    def latency(self) -> float:
        """Seconds to wait, drawing nothing: identity calls must not shift a seed's sequence."""
        with self._lock:
            return self.latency_ms / 1000.0

    def draw(self) -> tuple[float, ApiError | None]:
        """(seconds to wait, the error to answer instead of doing the call, if any)."""
        with self._lock:
            # The second number once chose 500 or 503; still drawn so seeds keep their sequence.
            roll, _unused = self._rng.random(), self._rng.random()
            delay = self.latency_ms / 1000.0
            if roll < self.throttle_rate:
                return delay, ThrottlingException("Rate exceeded (injected by the sandbox)")
            if roll < self.throttle_rate + self.fault_rate:
                message = "Internal server error (injected by the sandbox)"
                return delay, InternalServerException(message)
            return delay, None


def _not_number(value: Any) -> bool:
    return isinstance(value, bool) or not isinstance(value, int | float)
