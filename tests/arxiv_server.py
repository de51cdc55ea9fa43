"""A real HTTP server on 127.0.0.1 that speaks the arXiv API's Atom format and serves PDFs.

Faults are queued per endpoint and consumed one per request, so a test can say "HTTP 500 once, then
succeed". Every request is recorded (path, query, headers, time) for assertions.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from xml.sax.saxutils import escape

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv-atom"


def fixture_body(name: str) -> tuple[int, bytes]:
    data = json.loads((FIXTURES / name).read_text())
    return int(data["status_code"]), data["body"].encode()


@dataclass
class ServedPaper:
    arxiv_id: str
    version: int
    title: str
    pdf: bytes
    authors: list[str] = field(default_factory=lambda: ["Ada Lovelace"])
    abstract: str = "An abstract."
    category: str = "cs.LG"
    published: str = "2022-01-06T18:43:37Z"
    cross_lists: list[str] = field(default_factory=list)


@dataclass
class Request:
    kind: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float


class ArxivServer:
    def __init__(self) -> None:
        self.papers: dict[str, ServedPaper] = {}
        self.listed: list[ServedPaper] = []  # what listing queries (feed pull) see
        self.verbatim: dict[str, tuple[int, bytes]] = {}  # id_list value -> recorded response
        self.faults: dict[str, deque[str]] = {"api": deque(), "pdf": deque()}
        self.requests: list[Request] = []
        self.slow_s = 2.0
        self.retry_after = "1"
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                kind = "api" if url.path == "/api/query" else "pdf"
                server.requests.append(Request(kind, url.path, parse_qs(url.query),
                                               dict(self.headers), time.monotonic()))
                fault = server.faults[kind].popleft() if server.faults[kind] else None
                try:
                    server.handle(self, kind, url, fault)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        # serve_forever checks for shutdown once per poll: the default 0.5 s made every stop() wait
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01},
                                       daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/query"

    def api_requests(self) -> list[Request]:
        return [r for r in self.requests if r.kind == "api"]

    def pdf_requests(self) -> list[Request]:
        return [r for r in self.requests if r.kind == "pdf"]

    def start(self) -> ArxivServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # --- responses ---------------------------------------------------------------------------

    @staticmethod
    def send(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str,
             headers: dict[str, str] | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def entry(self, p: ServedPaper) -> str:
        vid = f"{p.arxiv_id}v{p.version}"
        authors = "".join(f"<author><name>{escape(a)}</name></author>" for a in p.authors)
        cross = "".join(f'\n    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in p.cross_lists)
        return f"""
  <entry>
    <id>http://arxiv.org/abs/{vid}</id>
    <title>{escape(p.title)}</title>
    <updated>2022-01-06T18:43:37Z</updated>
    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>
    <link href="{self.base}/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>
    <summary>{escape(p.abstract)}</summary>
    <category term="{p.category}" scheme="http://arxiv.org/schemas/atom"/>{cross}
    <published>{p.published}</published>
    <arxiv:comment>9 pages</arxiv:comment>
    <arxiv:primary_category term="{p.category}"/>
    {authors}
  </entry>"""

    def feed(self, entries: list[str], total: int | None = None, start: int = 0) -> bytes:
        return f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/test</id>
  <title>arXiv Query</title>
  <updated>2026-04-12T22:09:26Z</updated>
  <opensearch:itemsPerPage>{len(entries)}</opensearch:itemsPerPage>
  <opensearch:totalResults>{len(entries) if total is None else total}</opensearch:totalResults>
  <opensearch:startIndex>{start}</opensearch:startIndex>{"".join(entries)}
</feed>
""".encode()

    def handle(self, h: BaseHTTPRequestHandler, kind: str, url, fault: str | None) -> None:  # type: ignore[no-untyped-def]
        if fault == "500":
            return self.send(h, 500, b"Internal Server Error", "text/plain")
        if fault == "429":
            return self.send(h, 429, b"Too Many Requests", "text/plain",
                             {"Retry-After": self.retry_after})
        if fault == "slow":
            time.sleep(self.slow_s)
        if kind == "api":
            return self.api(h, url, fault)
        return self.pdf(h, url, fault)

    def api(self, h: BaseHTTPRequestHandler, url, fault: str | None) -> None:  # type: ignore[no-untyped-def]
        if fault == "400":
            status, body = fixture_body("error_400_bad_id_abc.json")
            return self.send(h, status, body, "application/atom+xml")
        if fault == "empty":
            status, body = fixture_body("unknown_id_0000.0000.json")
            return self.send(h, status, body, "application/atom+xml")
        query = parse_qs(url.query)
        if "search_query" in query:
            return self.listing(h, query, fault)
        id_list = query.get("id_list", [""])[0]
        if id_list in self.verbatim:
            status, body = self.verbatim[id_list]
            return self.send(h, status, body, "application/atom+xml")
        entries = []
        for raw in filter(None, id_list.split(",")):
            base = raw.split("v")[0] if "v" in raw.split("/")[-1] else raw
            paper = self.papers.get(base)
            if paper:
                entries.append(self.entry(paper))
        self.send(h, 200, self.feed(entries), "application/atom+xml")

    def listing(self, h: BaseHTTPRequestHandler, query: dict[str, list[str]], fault: str | None) -> None:
        """A `search_query` of `cat:` terms and a submittedDate range, oldest first, paged with
        start/max_results, over `self.listed` (the papers arXiv would list). Fault "emptypage"
        answers a page with no entries but the true total, as arXiv's API now and then does."""
        text = query["search_query"][0]
        cats = set(re.findall(r"cat:([\w.-]+)", text))
        low, high = re.search(r"submittedDate:\[(\d{12}) TO (\d{12})\]", text).groups()  # type: ignore[union-attr]
        def stamp(p: ServedPaper) -> str:
            return re.sub(r"\D", "", p.published)[:12]
        matches = sorted((p for p in self.listed if cats & {p.category, *p.cross_lists}
                          and low <= stamp(p) <= high), key=lambda p: (p.published, p.arxiv_id))
        start, size = int(query.get("start", ["0"])[0]), int(query.get("max_results", ["10"])[0])
        page = [] if fault == "emptypage" else matches[start:start + size]
        self.send(h, 200, self.feed([self.entry(p) for p in page], total=len(matches), start=start),
                  "application/atom+xml")

    def pdf(self, h: BaseHTTPRequestHandler, url, fault: str | None) -> None:  # type: ignore[no-untyped-def]
        vid = url.path.removeprefix("/pdf/")
        base = vid.rsplit("v", 1)[0]
        paper = self.papers.get(base)
        if paper is None:
            return self.send(h, 404, b"not found", "text/plain")
        body = paper.pdf
        if fault == "html":
            return self.send(h, 200, b"<!DOCTYPE html><html><body>Please wait, verifying you are "
                             b"human</body></html>", "text/html")
        if fault == "truncated":
            return self.send(h, 200, body[: len(body) // 2], "application/pdf")
        if fault == "reset":
            h.send_response(200)
            h.send_header("Content-Type", "application/pdf")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body[: len(body) // 3])
            h.wfile.flush()
            # RST instead of FIN: the client sees a connection reset mid-body
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
            h.close_connection = True
            return None
        return self.send(h, 200, body, "application/pdf")
