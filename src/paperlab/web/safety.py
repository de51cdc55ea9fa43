"""What the web app promises as a server, in one place:

- It answers only to the host names it was started for (loopback by default), so a web page cannot
  reach it through DNS rebinding.
- Started on another interface, every request carries the token printed at start (as `?token=`
  once, then a cookie); without it the answer is 403.
- Every state change is a POST carrying the server's CSRF token; GETs change nothing.
- Pages run only the app's own script and styles (Content-Security-Policy), and are not framed.
- Files are served by item id only (app.py): no path from the client reaches the file system.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_COOKIE = "paperlab_token"
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


def is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The name in a Host header, without its port: `127.0.0.1`, `localhost`, `[::1]`."""
    return header.split("]")[0] + "]" if header.startswith("[") else header.rsplit(":", 1)[0]


def new_token() -> str:
    return secrets.token_urlsafe(24)


def same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode(), b.encode())


def safe_next(target: str | None, default: str = "/") -> str:
    """Where to go after a form: a path on this server only (never `//host` or a scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


class Guard:
    """ASGI middleware: the host check, the token check and the security headers on every answer."""

    def __init__(self, app: ASGIApp, allowed_hosts: list[str] | None, token: str | None) -> None:
        self.app = app
        self.allowed = allowed_hosts  # None: any host (a token protects the server instead)
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        response: Response | None = None
        if self.allowed is not None and host_name(request.headers.get("host", "")) not in self.allowed:
            response = PlainTextResponse("Error: this server answers only to " + ", ".join(self.allowed), 400)
        elif self.token is not None:
            given = request.query_params.get("token")
            if same(given, self.token):
                # the token leaves the address bar (and the history) for a cookie
                query = "&".join(f"{k}={v}" for k, v in request.query_params.multi_items() if k != "token")
                response = RedirectResponse(request.url.path + (f"?{query}" if query else ""), 303)
                response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
            elif not same(request.cookies.get(TOKEN_COOKIE), self.token):
                response = PlainTextResponse("Error: this server needs the token printed when it started: "
                                             "open the address it printed", 403)
        if response is not None:
            await self._headers(response)(scope, receive, send)
            return

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                for k, v in _HEADERS:
                    if k not in names:
                        headers.append((k, v))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    def _headers(response: Response) -> Response:
        for k, v in _HEADERS:
            response.headers[k.decode()] = v.decode()
        return response


_HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY")]

