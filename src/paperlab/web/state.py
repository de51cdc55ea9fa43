"""The web app's state: where the library is, the server's secrets, the templates and the shared
searcher; and the addresses of its pages."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from starlette.responses import HTMLResponse

from paperlab.config import CONFIG_NAME, Settings
from paperlab.library import Library, folder_name

HERE = Path(__file__).parent
WRITE_WAIT_S = 5.0  # how long a page's write waits for the writer lock before it says who holds it


def item_url(item_id: str, *rest: str) -> str:
    return "/".join(["/item", quote(folder_name(item_id), safe=""), *rest])


def replication_url(item_id: str) -> str:
    return "/replications/" + quote(folder_name(item_id), safe="")


class Web:
    """The server's state: where the library is, its secrets, and the shared searcher."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.csrf = secrets.token_urlsafe(32)
        self._search_lock = threading.Lock()
        self._search: tuple[Library, Any] | None = None  # (its library, the searcher)
        from jinja2 import Environment, FileSystemLoader, select_autoescape

        self.templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                                     autoescape=select_autoescape(default=True, default_for_string=True))
        self.templates.globals.update(item_url=item_url, replication_url=replication_url, csrf=self.csrf,
                                      urlencode=urlencode)

    def settings(self) -> Settings:
        settings = Settings.load(self.home / CONFIG_NAME)
        return replace(settings, lock_timeout_s=min(settings.lock_timeout_s, WRITE_WAIT_S))

    @contextmanager
    def library(self) -> Iterator[Library]:
        lib = Library(self.home, self.settings())
        try:
            yield lib
        finally:
            lib.close()

    @contextmanager
    def searcher(self) -> Iterator[tuple[Library, Any]]:
        """The shared searcher (the model and the vector index, loaded once) with its library, held
        while used; rebuilt when the index has changed since."""
        from paperlab.retrieval.search import Searcher

        with self._search_lock:
            if self._search is None or self._search[1].stale():
                lib = self._search[0] if self._search else Library(self.home, self.settings(), shared=True)
                self._search = (lib, Searcher(lib))
            yield self._search

    def search(self, query: str, k: int, mode: str, filters: Any) -> list[Any]:
        from paperlab.retrieval.search import search

        with self.searcher() as (lib, searcher):
            return search(lib, query, k=k, mode=mode, filters=filters, searcher=searcher)

    def cited_sentence(self, item_id: str, chunk_id: int, query: str) -> str:
        from paperlab.retrieval.search import cited_sentence

        with self.searcher() as (lib, searcher):
            return cited_sentence(lib, item_id, chunk_id, query, searcher)

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.templates.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status)
