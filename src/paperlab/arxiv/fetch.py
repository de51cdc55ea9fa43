"""`paperlab fetch`: arXiv metadata and PDF into the library, all or nothing per paper.

For each id: parse -> one metadata request for all ids -> PDF to a temp file -> validate ->
move into `papers/<id>/paper.pdf` -> one transaction (paper row + log entry). Any failure on the way
removes what this paper's fetch created, so the library is as it was.
"""

from __future__ import annotations

import os
from pathlib import Path

from paperlab.arxiv.client import ArxivClient, Metadata
from paperlab.arxiv.ids import ArxivId, find_stamped_id, parse_arxiv_id
from paperlab.errors import PaperlabError, PdfError
from paperlab.fsutil import failpoint, temp_file
from paperlab.library import Library
from paperlab.models import ByteProgress, FetchOutcome, Item, arxiv_abs_url
from paperlab.store import items as store
from paperlab.store.schema import now, transaction


def item_from_metadata(meta: Metadata) -> Item:
    return Item(
        id=meta.arxiv_id, title=meta.title, type="paper",
        link=arxiv_abs_url(meta.arxiv_id), added_at=now(), authors=meta.authors,
        abstract=meta.abstract, arxiv_id=meta.arxiv_id, version=meta.version,
        categories=meta.categories, primary_category=meta.primary_category,
        published=meta.published, updated=meta.updated, doi=meta.doi,
        journal_ref=meta.journal_ref, comment=meta.comment,
    )


def _bytes_shown(lib: Library, label: str) -> ByteProgress:
    """A download's progress, shown on `lib.ui` as the stage "PDF <label>"."""
    return lambda done, total: lib.ui.progress(f"PDF {label}", done, total, unit="bytes")


def download_pdf(
    lib: Library, client: ArxivClient, url: str, unusable: str, label: str = "",
) -> tuple[Path, str]:
    """The PDF at `url` in a temp file inside the library (so moving it in is atomic), validated,
    and its sha256; what add and fetch both download through, shown on `lib.ui` as "PDF <label>".
    A PDF that does not validate is removed, and the error starts with `unusable` ("the PDF for
    2201.02177 ... is unusable")."""
    from paperlab.retrieval.pdf import validate_pdf

    lib.papers_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = temp_file(lib.papers_dir, ".download-", ".pdf")
    os.close(fd)
    try:
        sha = client.download(url, tmp, _bytes_shown(lib, label or url.rsplit("/", 1)[-1]))
        try:
            validate_pdf(tmp)
        except PdfError as exc:
            raise PdfError(f"{unusable}: {str(exc).replace(tmp.name, 'the download')}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, sha


def _store(lib: Library, item: Item, tmp_pdf: Path | None, old: Item | None) -> None:
    """Move the PDF into place and write the rows together: on failure the old PDF is back."""
    with lib.files_and_rows() as files:
        if tmp_pdf is not None:
            dest = lib.pdf_path(item.id)
            files.move(tmp_pdf, dest)
            item.pdf_path = lib.relative(dest)
            failpoint("fetch:pdf-placed")
        if old is None:
            store.insert_item(lib.db, item)
            store.add_log(lib.db, item.id, "fetched", f"arXiv v{item.version}")
        else:
            store.replace_item(lib.db, item)
            before = f"v{old.version}" if old.version else "no PDF"
            store.add_log(lib.db, item.id, "version",
                          f"{before} -> v{item.version} (reported numbers may have changed)")


def fetch(lib: Library, refs: list[str], update: bool = False, with_pdf: bool = True) -> list[FetchOutcome]:
    """Fetch papers under the writer lock, each all or nothing, downloads shown on `lib.ui`
    (not indexed: usecases.fetch indexes the new PDFs)."""
    with lib.writing("fetch"):
        try:
            outcomes = fetch_many(lib, refs, update=update, with_pdf=with_pdf)
        except KeyboardInterrupt:
            from paperlab.retrieval.ingest import interrupted

            raise interrupted(lib, "while fetching") from None
        failpoint("fetch:stored")
    return outcomes


def fetch_many(
    lib: Library, refs: list[str], update: bool = False, with_pdf: bool = True,
    client: ArxivClient | None = None,
) -> list[FetchOutcome]:
    outcomes: dict[str, FetchOutcome] = {}
    wanted: dict[ArxivId, tuple[str, Item | None]] = {}
    for ref in refs:
        try:
            parsed = parse_arxiv_id(ref)
        except PaperlabError as exc:
            outcomes[ref] = FetchOutcome(ref, None, "failed", str(exc))
            continue
        existing = store.item_by_arxiv_id(lib.db, parsed.id)
        if existing and not update and (existing.pdf_path or not with_pdf):  # no PDF yet: fill it in
            outcomes[ref] = FetchOutcome(ref, existing.id, "exists",
                                    f"already in the library (v{existing.version}); "
                                    "use --update to check for a newer version")
            continue
        if existing and update:
            parsed = ArxivId(parsed.id)  # ask for the latest version
        wanted[parsed] = (ref, existing)
    if wanted:
        client = client or ArxivClient(lib.settings)
        try:
            found = client.lookup(list(wanted))
        except PaperlabError as exc:
            found = {k: exc for k in wanted}
        for arxiv_id, result in found.items():
            ref, existing = wanted[arxiv_id]
            if isinstance(result, PaperlabError):
                outcomes[ref] = FetchOutcome(ref, None, "failed", str(result))
                continue
            outcomes[ref] = _fetch_one(lib, client, result, existing, with_pdf, ref)
    return [outcomes[r] for r in refs if r in outcomes]


def _fetch_one(
    lib: Library, client: ArxivClient, meta: Metadata, existing: Item | None, with_pdf: bool, ref: str,
) -> FetchOutcome:
    item = item_from_metadata(meta)
    if existing is not None:  # keep the reader's own fields across versions
        for name in ("id", "type", "venue", "status", "rating", "tags", "added_at", "started_at",
                     "finished_at"):
            setattr(item, name, getattr(existing, name))
        same_version = (meta.version or 0) <= (existing.version or 0)
        readable = existing.text_status != "no-text" and not existing.text_error.startswith("damaged")
        if same_version and ((existing.pdf_path and readable) or not with_pdf):
            return _fill_metadata(lib, existing, item, ref)
    tmp: Path | None = None
    try:
        if with_pdf:
            tmp, item.pdf_sha256 = download_pdf(lib, client, meta.pdf_url, f"the PDF for {meta.arxiv_id} from "
                                                f"{meta.pdf_url} is unusable", meta.arxiv_id)
        else:
            item.text_status = "none"
            if existing is not None:
                item.pdf_path, item.pdf_sha256 = existing.pdf_path, existing.pdf_sha256
        _store(lib, item, tmp, existing)
    except PaperlabError as exc:
        return FetchOutcome(ref, None, "failed", str(exc))
    except OSError as exc:
        return FetchOutcome(ref, None, "failed", f"cannot write into {lib.papers_dir}: {exc.strerror}")
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    if existing is not None:
        if existing.pdf_path and existing.version == item.version:
            return FetchOutcome(ref, item.id, "updated", f"v{item.version} downloaded again: the text of the "
                                "copy in the library could not be read")
        before = f"v{existing.version}" if existing.pdf_path and existing.version else "no PDF"
        return FetchOutcome(ref, item.id, "updated", f"{before} -> v{item.version}")
    return FetchOutcome(ref, item.id, "fetched", item.title)


METADATA_FIELDS = ("title", "authors", "abstract", "categories", "primary_category", "published",
                   "updated", "doi", "journal_ref", "comment", "version")


def _fill_metadata(lib: Library, existing: Item, fresh: Item, ref: str) -> FetchOutcome:
    """The same version: fill in (or correct) the metadata of an item added offline or imported."""
    changes = {k: getattr(fresh, k) for k in METADATA_FIELDS
               if getattr(fresh, k) and getattr(fresh, k) != getattr(existing, k)}
    if not changes:
        return FetchOutcome(ref, existing.id, "up-to-date", f"v{existing.version} is the latest version")
    with transaction(lib.db):
        store.update_item(lib.db, existing.id, **changes)
        store.add_log(lib.db, existing.id, "metadata", f"from arXiv: {', '.join(sorted(changes))}")
    return FetchOutcome(ref, existing.id, "filled", f"metadata from arXiv: {', '.join(sorted(changes))}")


def stamped_arxiv_id(path: Path) -> ArxivId | None:
    """The arXiv id stamped in the margin of a PDF's first page, if any."""
    from paperlab.retrieval.pdf import check_header, first_page_text

    try:
        check_header(path)
        return find_stamped_id(first_page_text(path))
    except PaperlabError:
        return None


def lookup_item(lib: Library, arxiv_id: ArxivId) -> Item:
    """An item for `arxiv_id` with its metadata from arXiv, for a local copy of the paper."""
    try:
        result = ArxivClient(lib.settings).lookup([arxiv_id])[arxiv_id]
    except PaperlabError as exc:
        result = exc
    if isinstance(result, PaperlabError):
        error = PaperlabError(f"{result}; add the file without metadata with --no-lookup")
        error.exit_code = result.exit_code  # an arXiv failure keeps its exit code (4)
        raise error
    return item_from_metadata(result)
