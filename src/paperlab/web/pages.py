"""The pages (GET: read the library, change nothing) and the actions (POST: one core call each) of
the web app; app.py routes requests to them, each with the library opened for that request."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from paperlab.errors import InvalidInput, NotFound, PaperlabError
from paperlab.library import Library, folder_name
from paperlab.models import CONTENT_TYPES, STATUSES
from paperlab.web.render import markdown_html
from paperlab.web.state import Web, item_url


def field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def day_param(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a date as YYYY-MM-DD, got '{value}'") from None


LOG_PAGE = 200  # rows of the log per page

SORTS = {
    "date": lambda i: i.finished_at or i.started_at or i.added_at, "title": lambda i: i.title.lower(),
    "rating": lambda i: i.rating or 0, "status": lambda i: i.status, "type": lambda i: i.type,
}


def log_page(web: Web, request: Request, lib: Library) -> Response:
    from paperlab.log import items

    q = request.query_params
    found = items.list_items(lib, status=q.get("status") or None, type_=q.get("type") or None,
                             tag=q.get("tag") or None, since=day_param(q.get("since"), "since"),
                             until=day_param(q.get("until"), "until"))
    sort = q.get("sort") or "date"
    sort = sort if sort in SORTS else "date"
    descending = q.get("order", "desc" if sort in ("date", "rating") else "asc") == "desc"
    found.sort(key=SORTS[sort], reverse=descending)
    filters = {k: q.get(k, "") for k in ("status", "type", "tag", "since", "until")}
    pages = max(1, -(-len(found) // LOG_PAGE))
    number = min(max(int(q["page"]) if q.get("page", "").isdigit() else 1, 1), pages)
    shown = found[(number - 1) * LOG_PAGE:number * LOG_PAGE]
    imported = q.get("imported", "")
    notice = f"Imported {imported} new item{'' if imported == '1' else 's'}." if imported.isdigit() else ""
    return web.page("log.html", notice=notice, items=shown, total=len(found), number=number, pages=pages,
                    page_size=LOG_PAGE, item_date=items.item_date, statuses=STATUSES,
                    types=CONTENT_TYPES, filters=filters, sort=sort, descending=descending,
                    here=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""))


def item_page(web: Web, request: Request, lib: Library) -> Response:
    from paperlab.log import items, notes
    from paperlab.retrieval.search import similar

    shown = items.show(lib, request.path_params["ref"])
    try:
        with web.searcher() as (shared, searcher):
            close, similar_problem = similar(shared, shown.item.id, k=5, searcher=searcher), ""
    except PaperlabError as exc:
        close, similar_problem = [], str(exc)
    text = shown.notes.text
    return web.page("item.html", saved=request.query_params.get("saved") == "1", view=shown, item=shown.item,
                    notes_html=markdown_html(text), notes_text=text,
                    seen=notes.version(shown.notes_path), similar=close, similar_problem=similar_problem,
                    statuses=STATUSES, has_pdf=lib.pdf_path(shown.item.id).is_file(),
                    notes_file=lib.relative(shown.notes_path))


def pdf_file(web: Web, request: Request, lib: Library) -> Response:
    from starlette.responses import FileResponse

    item_id = lib.resolve_id(request.path_params["ref"])  # an id from the database, never a path
    path = lib.pdf_path(item_id)
    if not path.resolve().is_relative_to(lib.papers_dir.resolve()) or not path.is_file():
        raise NotFound(f"{item_id} has no PDF in the library")
    return FileResponse(path, media_type="application/pdf", content_disposition_type="inline",
                        filename=f"{folder_name(item_id)}.pdf")


def page_image(web: Web, request: Request, lib: Library) -> Response:
    from paperlab.web.reader import render_png

    item_id = lib.resolve_id(request.path_params["ref"])
    png = render_png(lib.pdf_path(item_id), int(request.path_params["page"]))
    return Response(png, media_type="image/png", headers={"cache-control": "private, max-age=300"})


def reader_page(web: Web, request: Request, lib: Library) -> Response:
    from paperlab.log import items
    from paperlab.web.reader import page_info

    item = items.show(lib, request.path_params["ref"]).item
    number = int(request.path_params["page"])
    query, chunk = request.query_params.get("q", ""), request.query_params.get("chunk", "")
    sentence = web.cited_sentence(item.id, int(chunk), query) if query and chunk.isdigit() else ""
    page, boxes = page_info(lib.pdf_path(item.id), number, sentence)
    keep = urlencode({"q": query, "chunk": chunk}) if query else ""
    return web.page("reader.html", item=item, page=page, boxes=boxes, sentence=sentence, query=query,
                    keep=keep)


def search_page(web: Web, request: Request, lib: Library) -> Response:
    from paperlab.retrieval.search import MODES, Filters

    q = request.query_params
    query = q.get("q", "").strip()
    hits: list[Any] = []
    if query:
        filters = Filters(paper=q.get("paper") or None, notes_only=q.get("notes") == "1",
                          status=q.get("status") or None, tag=q.get("tag") or None,
                          references=q.get("references") == "1")
        k = int(q.get("k", "10")) if q.get("k", "10").isdigit() else 10
        hits = web.search(query, max(1, min(k, 100)), q.get("mode") or "hybrid", filters)
    return web.page("search.html", query=query, hits=hits, modes=MODES, statuses=STATUSES,
                    form={k: q.get(k, "") for k in ("mode", "paper", "notes", "status", "tag", "references")})


def week_page(web: Web, request: Request, lib: Library) -> Response:
    from paperlab.log import recap

    end = day_param(request.query_params.get("date"), "date") or date.today()
    return web.page("week.html", end=end, html=markdown_html(recap.week(lib, end)))


def export_file(web: Web, request: Request, lib: Library) -> Response:
    from paperlab.log import export

    kind = request.path_params["kind"]
    makers = {"markdown": (export.markdown, "text/markdown", "reading-log.md"),
              "bibtex": (export.bibtex, "application/x-bibtex", "library.bib"),
              "json": (export.as_json, "application/json", "library.json")}
    if kind not in makers:
        raise NotFound(f"no export '{kind}'; choose one of: {', '.join(makers)}")
    make, media, name = makers[kind]
    return Response(make(lib), media_type=media + "; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


def feed_page(web: Web, request: Request, lib: Library) -> Response:
    from paperlab.feed.recommend import recommend

    tag = request.query_params.get("tag") or None
    try:
        feed, problem = recommend(lib, tag=tag, k=30), ""
    except PaperlabError as exc:  # nothing pulled or nothing liked yet: the page says how to start
        feed, problem = None, str(exc)
    return web.page("feed.html", feed=feed, problem=problem, tag=tag or "")


def replications_page(web: Web, request: Request, lib: Library) -> Response:
    from paperlab.replicate.runs import replications

    return web.page("replications.html", replications=replications(lib, recover=False))


def replication_page(web: Web, request: Request, lib: Library) -> Response:
    from paperlab.replicate.check import VERDICT_COLUMNS, verdict_rows
    from paperlab.replicate.report import overview
    from paperlab.replicate.rubric import build as rubric
    from paperlab.web.charts import bars, curves_for, legend

    view = overview(lib, request.path_params["ref"])
    graded = rubric(lib, view.item.id, evaluated=(view.result, view.problem))
    verdicts = view.result.verdicts if view.result else []
    references: dict[str, list[tuple[str, float]]] = {}
    for v in verdicts:
        references.setdefault(v.claim.metric.removeprefix("final_"), []).append(
            (v.claim.name, v.claim.reported / v.factor))
    return web.page("replication.html", view=view, rubric=graded, columns=VERDICT_COLUMNS,
                    rows=verdict_rows(verdicts, True),
                    charts=curves_for(view.curves, references), legend=legend(list(view.curves)),
                    bars=[bars(v.claim.name, v.claim.reported, v.obtained, v.obtained_std, v.verdict)
                          for v in verdicts if v.obtained is not None])


# --- the actions (POST): each returns where to go next, or None for the form's `next` ------------------


def set_status(web: Web, request: Request, form: FormData, lib: Library) -> None:
    from paperlab.log import items

    items.set_status(lib, request.path_params["ref"], field(form, "status"))


def set_rating(web: Web, request: Request, form: FormData, lib: Library) -> None:
    from paperlab.log import items

    value = field(form, "rating")
    if not value.isdigit():
        raise InvalidInput(f"a rating is a whole number from 1 to 10, got '{value}'")
    items.rate(lib, request.path_params["ref"], int(value))


def save_notes(web: Web, request: Request, form: FormData, lib: Library) -> str:
    from paperlab import usecases

    result = usecases.save_notes(lib, request.path_params["ref"], field(form, "notes"), field(form, "seen"))
    return item_url(result.item_id) + ("?saved=1" if result.changed else "")


def add_note(web: Web, request: Request, form: FormData, lib: Library) -> str:
    from paperlab import usecases

    message, learned = field(form, "message").strip(), field(form, "learned").strip()
    if not (message or learned):
        raise InvalidInput("write a note or a key learning first")
    result = usecases.note(lib, request.path_params["ref"], message=message or None,
                           learned=[learned] if learned else None)
    return item_url(result.item_id)


def import_upload(web: Web, request: Request, form: FormData, lib: Library) -> str:
    from paperlab import usecases

    upload, kind = form.get("file"), field(form, "kind")
    if kind not in ("markdown", "bibtex"):
        raise InvalidInput(f"unknown import kind '{kind}'; choose markdown or bibtex")
    if upload is None or isinstance(upload, str) or not upload.filename:
        raise InvalidInput("choose a file to import")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("import.bib" if kind == "bibtex" else "import.md")  # never the client's file name
        path.write_bytes(upload.file.read())
        report = usecases.import_file(lib, kind, path, field(form, "status") or "read")
    return "/?" + urlencode({"imported": len(report.added)})


def feed_add(web: Web, request: Request, form: FormData, lib: Library) -> str:
    from paperlab import usecases

    outcome, _ = usecases.feed_add(lib, field(form, "id"), tag=field(form, "tag") or None)
    if not outcome.ok or not outcome.item_id:
        raise PaperlabError(outcome.message or f"could not add {field(form, 'id')}")
    return item_url(outcome.item_id)


def feed_no(web: Web, request: Request, form: FormData, lib: Library) -> None:
    from paperlab.feed.recommend import dismiss

    dismiss(lib, field(form, "id"))
