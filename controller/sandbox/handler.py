"""HTTP: one port for everything, routed by path.

Coupa's paths (`/oauth2/token`, `/api/...`) go to the Coupa emulator, `/_sandbox/...` to the
control endpoints, `POST /` to the AWS API (Invoicing, or STS/Organizations). Stdlib
`ThreadingHTTPServer` (a thread per connection, HTTP/1.1 keep-alive as botocore expects): no
dependency to install, and the request rate of tests and the demo is far below its limits.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from controller.sandbox import control_routes
from controller.sandbox.app import App
from controller.sandbox.aws import api, identity_api
from controller.sandbox.aws.errors import SerializationException
from controller.sandbox.control_routes import CONTROL_PREFIX
from controller.sandbox.coupa import http as coupa_http

JSON_10 = "application/x-amz-json-1.0"
MAX_BODY = 1024 * 1024


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    app: App

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, Handler)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "coupa-gitops-sandbox"
    timeout = 60  # an idle keep-alive connection lets its thread go after this
    disable_nagle_algorithm = True  # small JSON answers must not wait for delayed ACKs
    server: Server

    def setup(self) -> None:
        super().setup()
        with self.server.sockets_lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        with self.server.sockets_lock:
            self.server.open_sockets.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # App.log reports API calls; the default access log is noise

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise SerializationException(f"Request body larger than {MAX_BODY} bytes")
        return self.rfile.read(length) if length > 0 else b""

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", JSON_10)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        # Headers and body in one write. `_headers_buffer` is http.server's own (not in the stubs).
        self._headers_buffer.append(b"\r\n" + data)  # type: ignore[attr-defined]
        self.flush_headers()

    def send_raw(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self._headers_buffer.append(b"\r\n" + data)  # type: ignore[attr-defined]  # as above
        self.flush_headers()

    def _coupa(self, method: str) -> bool:
        """Coupa's paths (`/oauth2/token`, `/api/...`) go to the Coupa emulator."""
        if not coupa_http.owns(self.path):
            return False
        coupa_http.serve(self, method, self.server.app.coupa)
        return True

    def _is_control(self) -> bool:
        return urlsplit(self.path).path.startswith(CONTROL_PREFIX)

    def do_PATCH(self) -> None:
        if not self._coupa("PATCH"):
            self.send_json(404, {"message": "POST AWS JSON 1.0 requests to /"})

    def do_DELETE(self) -> None:
        if not self._coupa("DELETE"):
            self.send_json(404, {"message": "POST AWS JSON 1.0 requests to /"})

    def do_POST(self) -> None:
        if self._coupa("POST"):
            return
        path = urlsplit(self.path).path
        if path.startswith(CONTROL_PREFIX):
            control_routes.serve(self, "POST")
        elif path != "/":
            self.send_json(
                404, {"message": f"No such path {path}: POST AWS JSON 1.0 requests to /"}
            )
        elif identity_api.is_identity_call(self):
            identity_api.serve(self)
        else:
            api.serve(self)

    def do_PUT(self) -> None:
        if self._coupa("PUT"):
            return
        if self._is_control():
            control_routes.serve(self, "PUT")
        else:
            self.send_json(404, {"message": "POST AWS JSON 1.0 requests to /"})

    def do_GET(self) -> None:
        if self._coupa("GET"):
            return
        if self._is_control():
            control_routes.serve(self, "GET")
        else:
            self.send_json(
                404,
                {
                    "message": "This is the coupa-gitops sandbox of the AWS Invoicing API: "
                    "POST AWS JSON 1.0 requests to /; control endpoints live under /_sandbox/"
                },
            )
