"""paperlab serve: each safety promise (paperlab/web/safety.py) over real HTTP, and the main paths
walked in headless Chromium (Debian's `chromium`, driven by Playwright; `make test` installs it).
Screenshots of each page go to build/screenshots/."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from paperlab.fsutil import writer_lock
from paperlab.library import Library
from paperlab.samples import ATTENTION, BACKPROP, GROKKING, write_paper_pdf
from paperlab.web.reader import passage_boxes
from paperlab.web.server import Background
from tests.conftest import copy_library, library_state
from tests.test_feed import listing, pulled
from tests.test_replicate import quick_library, ran

__all__ = ["listing", "pulled", "quick_library", "ran"]  # fixtures shared with test_feed and test_replicate

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "build" / "screenshots"
XSS = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">"


@pytest.fixture
def indexed(lib: Library, fetched_library: Path) -> Library:
    copy_library(fetched_library, lib.home)
    return lib


@pytest.fixture
def site(indexed: Library) -> Iterator[str]:
    with Background(indexed.home) as url:
        yield url.rstrip("/")


def request(url: str, method: str = "GET", body: dict | None = None, headers: dict | None = None,
            ) -> tuple[int, dict[str, str], str]:
    """One real HTTP request (redirects not followed): status, headers, body."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    data = urlencode(body).encode() if body is not None else None
    sent = {"Content-Type": "application/x-www-form-urlencoded"} if data is not None else {}
    conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), data, {**sent, **(headers or {})})
    response = conn.getresponse()
    text = response.read().decode("utf-8", "replace")
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, text


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


# --- safety: one test per promise ---------------------------------------------------------------------


def test_it_answers_only_to_loopback_names_by_default(site):
    assert request(site + "/")[0] == 200
    status, _, body = request(site + "/", headers={"Host": "attacker.example"})
    assert status == 400 and "answers only to" in body  # DNS rebinding gets nothing


def test_another_interface_needs_the_printed_token(lib, tmp_path):
    """`serve --host 0.0.0.0` prints an address with a token; without it every request is refused."""
    proc = subprocess.Popen([sys.executable, "-m", "paperlab", "--home", str(lib.home), "serve", "--host",
                             "0.0.0.0", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "COLUMNS": "300"})
    try:
        line = proc.stdout.readline()
        found = re.search(r"http://0\.0\.0\.0:(\d+)/\?token=(\S+)", line)
        assert found, line
        port, token = found.group(1), found.group(2)
        base = f"http://127.0.0.1:{port}"
        assert request(base + "/")[0] == 403
        assert request(base + "/?token=wrong")[0] == 403
        status, headers, _ = request(f"{base}/?token={token}")
        assert status == 303 and "token" not in headers["location"]  # the token moves to a cookie
        cookie = headers["set-cookie"].split(";")[0]
        assert "httponly" in headers["set-cookie"].lower() and "samesite=strict" in headers["set-cookie"].lower()
        assert request(base + "/", headers={"Cookie": cookie})[0] == 200
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)


def test_every_state_change_needs_a_post_with_the_csrf_token(site, indexed):
    before = library_state(indexed.home)
    target = f"{site}/item/{GROKKING.arxiv_id}"
    for path in ("/status", "/rate", "/notes", "/note"):
        assert request(target + path + "?status=read&rating=9&message=x")[0] == 405  # a GET changes nothing
    assert request(target + "/status", "POST", {"status": "read"})[0] == 403  # no token
    assert request(target + "/status", "POST", {"status": "read", "csrf": "forged"})[0] == 403
    assert library_state(indexed.home) == before
    token = csrf_of(request(site + "/")[2])
    status, headers, _ = request(target + "/status", "POST", {"status": "read", "csrf": token, "next": "/"})
    assert status == 303 and headers["location"] == "/"
    assert library_state(indexed.home) != before


def test_reading_every_page_changes_nothing(site, indexed):
    before = library_state(indexed.home)
    for path in ("/", "/?sort=title&order=asc", "/week", "/search?q=weight+decay", "/feed", "/replications",
                 f"/item/{GROKKING.arxiv_id}", f"/item/{GROKKING.arxiv_id}/read/1", "/export/bibtex",
                 f"/item/{GROKKING.arxiv_id}/page/1.png", f"/item/{GROKKING.arxiv_id}/pdf"):
        assert request(site + path)[0] == 200, path
    assert library_state(indexed.home) == before


def test_user_and_paper_text_is_escaped(site, indexed, cli):
    cli("edit", GROKKING.arxiv_id, "--title", f"Grokking {XSS}")
    cli("note", GROKKING.arxiv_id, "-m", f"look: {XSS} **bold**")
    for path in ("/", f"/item/{GROKKING.arxiv_id}", "/search?q=look"):
        body = request(site + path)[2]
        assert "<script>window.__pwned" not in body and "<img src=x onerror" not in body, path
        assert "&lt;script&gt;window.__pwned" in body, path
    assert "<strong>bold</strong>" in request(site + f"/item/{GROKKING.arxiv_id}")[2]  # Markdown still renders


@pytest.mark.parametrize("path", [
    "/item/..%2F..%2Fpaperlab.toml/pdf", "/item/%2e%2e%2fpaperlab.toml/pdf", "/item/..%252Fpaperlab.db/pdf",
    "/item/%2E%2E/pdf", "/static/../paperlab.toml", "/static/%2e%2e/%2e%2e/%2e%2e/paperlab.toml",
    "/item/....%2F%2Fpaperlab.toml/page/1.png", "/export/..%2Fpaperlab.toml",
])
def test_files_are_served_by_item_id_only(site, indexed, path):
    status, _, body = request(site + path)
    assert status == 404, (path, status)
    assert "embedding_model" not in body and "SQLite" not in body


def test_pages_never_wait_for_the_writer_lock_and_writes_say_who_holds_it(site, indexed):
    token = csrf_of(request(site + "/")[2])
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with writer_lock(indexed.home, "import"):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    try:
        start = time.monotonic()
        assert request(site + "/")[0] == 200
        assert time.monotonic() - start < 2  # a page reads while a writer writes
        (indexed.home / "paperlab.toml").write_text((indexed.home / "paperlab.toml").read_text()
                                                    + "lock_timeout_s = 0.3\n")
        status, _, body = request(f"{site}/item/{GROKKING.arxiv_id}/status", "POST", {"status": "read", "csrf": token})
        assert status == 409 and "paperlab import" in body
    finally:
        release.set()
        holder.join()


def test_errors_are_the_cli_s_one_line_message_not_a_traceback(site):
    status, _, body = request(site + "/item/9999.99999")
    assert status == 404
    message = re.search(r'<p class="error" role="alert">(.*?)</p>', body, re.S).group(1)
    assert "Error: no item" in message and "\n" not in message.strip()
    status, _, body = request(site + "/?since=yesterday-ish")
    assert status == 400 and "YYYY-MM-DD" in body and "Traceback" not in body


def test_a_hand_edit_is_never_overwritten_by_the_page(site, indexed):
    page = request(f"{site}/item/{GROKKING.arxiv_id}")[2]
    seen = re.search(r'name="seen" value="([^"]*)"', page).group(1)
    notes = indexed.notes_path(GROKKING.arxiv_id)
    notes.write_text(notes.read_text() + "\nA hand edit made after the page was opened.\n")
    status, _, body = request(f"{site}/item/{GROKKING.arxiv_id}/notes", "POST",
                              {"csrf": csrf_of(page), "seen": seen, "notes": "# replaced\n"})
    assert status == 409 and "changed since this page read it" in body
    assert "A hand edit made after" in notes.read_text()


def test_import_and_export_through_the_page(site, indexed):
    log = (Path(__file__).parent / "fixtures" / "old-log" / "reading-log.md").read_bytes()
    token = csrf_of(request(site + "/")[2])
    boundary = "paperlab-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in (("csrf", token), ("kind", "markdown"), ("status", "read"))]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="log.md"\r\n'
                 f"Content-Type: text/markdown\r\n\r\n".encode() + log + f"\r\n--{boundary}--\r\n".encode())
    parts_url = urlsplit(site)
    conn = http.client.HTTPConnection(parts_url.hostname, parts_url.port, timeout=60)
    conn.request("POST", "/import", b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    response = conn.getresponse()
    response.read()
    assert response.status == 303, response.status
    imported = int(re.search(r"imported=(\d+)", response.getheader("location")).group(1))
    conn.close()
    assert imported > 0
    from paperlab.log.items import list_items

    assert len(list_items(indexed)) == 3 + imported
    status, headers, bib = request(site + "/export/bibtex")
    assert status == 200 and "attachment" in headers["content-disposition"] and bib.count("@") >= 3 + imported


def test_the_cited_passage_is_found_on_the_page(tmp_path):
    pdf = write_paper_pdf(ATTENTION, tmp_path / "a.pdf")
    import pymupdf

    with pymupdf.open(pdf) as doc:
        page_text = doc[0].get_text()
    sentence = " ".join(page_text.split()[10:30])
    boxes = passage_boxes(pdf, 1, sentence)
    assert boxes and all(b.x1 > b.x0 and b.y1 > b.y0 for b in boxes)
    assert passage_boxes(pdf, 1, "entirely unrelated words about gardening tomatoes in spring") == []


# --- in a real browser ----------------------------------------------------------------------------------


def chromium_path() -> str:
    found = os.environ.get("PAPERLAB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Chromium is missing: `make test` installs Debian's `chromium` (apt-get install chromium), "
                    "or set PAPERLAB_CHROMIUM to a Chromium executable")
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium_path(), headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield opened
    context.close()
    assert not errors, errors  # no script error and no content-security-policy violation on any page


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_log_is_paged_and_sorted(site, monkeypatch):
    from paperlab.web import pages

    monkeypatch.setattr(pages, "LOG_PAGE", 2)
    first = request(site + "/?sort=title&order=asc")[2]
    second = request(site + "/?sort=title&order=asc&page=2")[2]
    titles = [re.findall(r'<tr data-id="([^"]+)"', page) for page in (first, second)]
    assert [len(t) for t in titles] == [2, 1] and "3 items, 1-2 shown" in first
    title_of = {p.arxiv_id: p.title.lower() for p in (GROKKING, ATTENTION, BACKPROP)}
    shown = titles[0] + titles[1]
    assert shown == sorted(shown, key=title_of.__getitem__)


def test_browser_the_log_lists_items_and_a_status_change_persists(site, indexed, page):
    page.goto(site + "/")
    rows = page.locator("table.log tbody tr")
    assert rows.count() == 3
    assert page.get_by_text(ATTENTION.title).is_visible()
    shot(page, "library")
    row = page.locator(f'tr[data-id="{ATTENTION.arxiv_id}"]')
    with page.expect_navigation():
        row.locator('select[name="status"]').select_option("reading")
    page.reload()
    assert page.locator(f'tr[data-id="{ATTENTION.arxiv_id}"] select[name="status"]').input_value() == "reading"
    from paperlab.log.items import show

    assert show(indexed, ATTENTION.arxiv_id).item.status == "reading"


def test_browser_a_search_hit_opens_the_reader_at_its_page_with_the_passage_highlighted(site, indexed, page):
    from paperlab.retrieval.search import search

    query = "multi-head attention"
    expected = search(indexed, query, k=1)[0]
    page.goto(site + "/search?" + urlencode({"q": query}))
    shot(page, "search")
    first = page.locator("li.hit").first
    assert first.locator(".hit-link").inner_text() == expected.title
    first.locator(".hit-link").click()
    page.wait_for_load_state()
    assert f"/read/{expected.page}" in page.url
    assert f"page {expected.page} of" in page.locator(".pager").inner_text()
    highlight = page.locator("rect.highlight")
    assert highlight.count() >= 1
    assert page.locator(".page img").evaluate("img => img.complete && img.naturalWidth > 0")
    box = highlight.first.bounding_box()
    assert box is not None and box["width"] > 10 and box["height"] > 3
    shot(page, "reader")
    href = page.get_by_text("open the original PDF at this page").get_attribute("href")
    assert href.endswith(f"/pdf#page={expected.page}")


def test_browser_a_note_edited_in_the_page_lands_in_notes_md(site, indexed, page):
    page.goto(f"{site}/item/{GROKKING.arxiv_id}")
    page.locator("details.edit-notes summary").click()
    area = page.locator('textarea[name="notes"]')
    area.fill(area.input_value() + "\n### 2026-12-06\n\nEdited in the browser: weight decay matters.\n")
    with page.expect_navigation():
        page.get_by_role("button", name="Save notes").click()
    assert "Edited in the browser: weight decay matters." in indexed.notes_path(GROKKING.arxiv_id).read_text()
    assert page.locator("#notes").get_by_text("Edited in the browser").is_visible()
    shot(page, "item")


def test_browser_xss_in_a_note_and_a_title_renders_as_text(site, indexed, page, cli):
    cli("edit", GROKKING.arxiv_id, "--title", f"Grokking {XSS}")
    cli("note", GROKKING.arxiv_id, "-m", f"payload {XSS}")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in ("/", f"/item/{GROKKING.arxiv_id}"):
        page.goto(site + path)
        assert page.evaluate("() => window.__pwned") is None
        assert page.get_by_text("<script>window.__pwned = 1</script>", exact=False).first.is_visible()
    assert not dialogs


def test_browser_a_replication_s_plots_render(ran, lib, page):
    with Background(lib.home) as url:
        page.goto(url + "replications")
        shot(page, "replications")
        page.get_by_role("link", name=re.compile("Grokking")).first.click()
        page.wait_for_load_state()
        assert page.locator("table.check tbody tr").count() >= 1
        curves = page.locator("svg.curves polyline")
        assert curves.count() >= 1 and curves.first.bounding_box()["width"] > 50
        assert page.locator("svg.bars rect.bar-obtained").count() >= 1
        shot(page, "replication")


def test_browser_the_feed_and_week_pages_render(site, page):
    page.goto(site + "/feed")
    assert "feed pull" in page.locator("p.notice").inner_text()  # nothing pulled: it says how to start
    shot(page, "feed")
    page.goto(site + "/week")
    assert page.locator("article.recap h2, article.recap h1").count() >= 1
    shot(page, "week")


def test_browser_the_feed_ranks_with_why_and_not_interested_hides_a_paper(lib, pulled, cli, page):
    assert cli("feed", "add", "2612.00001", "--no-pdf").exit_code == 0  # a liked rl paper
    with Background(lib.home) as url:
        page.goto(url + "feed")
        first = page.locator("li.rec").first
        assert first.locator("p.why").inner_text().startswith("Why: close to ")
        top = first.locator('input[name="id"]').first.get_attribute("value")
        shot(page, "feed-ranked")
        with page.expect_navigation():
            first.get_by_role("button", name="Not interested").click()
        assert page.locator("li.rec").count() > 0
        assert page.locator(f'li.rec input[name="id"][value="{top}"]').count() == 0  # hidden from the feed
    assert "already marked" in cli("feed", "no", top).stdout
