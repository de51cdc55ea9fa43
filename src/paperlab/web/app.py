"""`paperlab serve`: the library in a browser, over the same core as the CLI.

Every page opens the library for its own request (a fresh SQLite connection in the worker thread
that serves it) and calls the functions the CLI calls; nothing here reads or writes the database or
the files itself. Search keeps one searcher (the embedding model and the vector index, loaded once)
behind a lock, rebuilt when the index changes. Writes go through the core, which takes the
library's writer lock; a page waits for it a few seconds at most and then says who holds it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from paperlab.errors import Conflict, InvalidInput, LockError, NotFound, PaperlabError, environment_error
from paperlab.library import Library
from paperlab.web import pages, safety
from paperlab.web.state import HERE, Web

log = logging.getLogger("paperlab.web")


# --- how requests become calls into the core -------------------------------------------------------

HTTP_STATUS = {NotFound: 404, InvalidInput: 400, LockError: 409, Conflict: 409}


def error_page(web: Web, message: str, status: int) -> HTMLResponse:
    return web.page("error.html", status=status, message=" ".join(message.split()))


def failure(web: Web, exc: BaseException) -> HTMLResponse:
    """The CLI's one-line message for the same failure, as a page; a bug is logged, not shown."""
    if isinstance(exc, PaperlabError):
        status = next((code for kind, code in HTTP_STATUS.items() if isinstance(exc, kind)), 500)
        return error_page(web, str(exc), status)
    message = environment_error(exc)
    if message is None:
        log.exception("paperlab serve: unexpected error")
        message = f"paperlab failed unexpectedly ({type(exc).__name__}); the server's terminal shows the details"
    return error_page(web, message, 500)


Page = Callable[["Web", Request, Library], Response]


def reading(web: Web, view: Page) -> Callable[[Request], Awaitable[Response]]:
    """A GET page: runs in a worker thread with its own library; it writes nothing."""
    async def endpoint(request: Request) -> Response:
        def work() -> Response:
            with web.library() as lib:
                return view(web, request, lib)
        try:
            return await run_in_threadpool(work)
        except Exception as exc:
            return failure(web, exc)
    return endpoint


Action = Callable[["Web", Request, FormData, Library], str | None]


def writing(web: Web, action: Action) -> Callable[[Request], Awaitable[Response]]:
    """A POST: the form must carry the CSRF token; the action returns where to go next (else the form's
    `next`); a failure is the error page, and the core has then kept or undone everything."""
    async def endpoint(request: Request) -> Response:
        form: FormData | None = None
        try:
            form = await request.form()
            if not safety.same(str(form.get("csrf") or ""), web.csrf):
                return error_page(web, "this form is out of date or came from another site (no valid CSRF "
                                  "token); reload the page and try again", 403)

            def work(form: FormData) -> str | None:
                with web.library() as lib:
                    return action(web, request, form, lib)
            target = await run_in_threadpool(work, form)
            return RedirectResponse(safety.safe_next(target or str(form.get("next") or "")), 303)
        except Exception as exc:
            return failure(web, exc)
        finally:
            if form is not None:
                await form.close()
    return endpoint


def build(web: Web) -> Starlette:
    async def not_found(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            return error_page(web, f"{request.method} is not allowed here: pages are read with GET and "
                              "changed with a form (POST)", 405)
        return error_page(web, f"no page at {request.url.path}; the library is at /", exc.status_code)

    get = ["GET", "HEAD"]
    routes = [
        Route("/", reading(web, pages.log_page), methods=get),
        Route("/week", reading(web, pages.week_page), methods=get),
        Route("/export/{kind}", reading(web, pages.export_file), methods=get),
        Route("/import", writing(web, pages.import_upload), methods=["POST"]),
        Route("/search", reading(web, pages.search_page), methods=get),
        Route("/feed", reading(web, pages.feed_page), methods=get),
        Route("/feed/add", writing(web, pages.feed_add), methods=["POST"]),
        Route("/feed/no", writing(web, pages.feed_no), methods=["POST"]),
        Route("/replications", reading(web, pages.replications_page), methods=get),
        Route("/replications/{ref}", reading(web, pages.replication_page), methods=get),
        Route("/item/{ref}", reading(web, pages.item_page), methods=get),
        Route("/item/{ref}/pdf", reading(web, pages.pdf_file), methods=get),
        Route("/item/{ref}/page/{page:int}.png", reading(web, pages.page_image), methods=get),
        Route("/item/{ref}/read/{page:int}", reading(web, pages.reader_page), methods=get),
        Route("/item/{ref}/status", writing(web, pages.set_status), methods=["POST"]),
        Route("/item/{ref}/rate", writing(web, pages.set_rating), methods=["POST"]),
        Route("/item/{ref}/notes", writing(web, pages.save_notes), methods=["POST"]),
        Route("/item/{ref}/note", writing(web, pages.add_note), methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: not_found})


def create_app(home: Path, host: str = "127.0.0.1", token: str | None = None) -> Starlette:
    """The app for the library at `home`. Bound to loopback it answers only to loopback names; bound
    elsewhere it needs `token` on every request."""
    if not safety.is_loopback(host) and not token:
        raise InvalidInput(f"serving on {host} (not this machine only) needs a token")
    web = Web(home)
    app = build(web)
    allowed = [*safety.LOOPBACK_NAMES, host] if safety.is_loopback(host) else None
    return safety.Guard(app, allowed, token)  # type: ignore[return-value]
