"""Serve the Coupa emulator from the sandbox's HTTP handler (same process, same port)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from controller.sandbox.coupa.app import TOKEN_PATH, CoupaEmulator

MAX_BODY = 1024 * 1024


def owns(raw_path: str) -> bool:
    """Whether a request path is Coupa's: `/oauth2/token` or under `/api/`."""
    path = urlsplit(raw_path).path
    return path == TOKEN_PATH or path == "/api" or path.startswith("/api/")


def serve(handler: Any, method: str, emulator: CoupaEmulator) -> None:
    """Answer the `BaseHTTPRequestHandler`'s current request with the emulator."""
    parts = urlsplit(handler.path)
    length = int(handler.headers.get("Content-Length") or 0)
    if length > MAX_BODY:
        status, headers, body = 413, {"Content-Type": "application/json"}, b'{"errors":{}}'
        handler.close_connection = True  # the unread body would corrupt the next request
    else:
        data = handler.rfile.read(length) if length > 0 else b""
        status, headers, body = emulator.handle(
            method, parts.path, parts.query, handler.headers, data
        )
    handler.send_response(status)
    for key, value in headers.items():
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
