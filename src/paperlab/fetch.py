"""`paperlab fetch`: arXiv metadata and PDF into the library, all or nothing per paper.

For each id: parse -> one metadata request for all ids -> PDF to a temp file -> validate ->
move into `papers/<id>/paper.pdf` -> one transaction (paper row + log entry). Any failure on the way
removes what this paper's fetch created, so the library is as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from paperlab import db
from paperlab.arxiv_client import ArxivClient, Metadata, Progress
from paperlab.arxiv_ids import ArxivId, find_stamped_id, parse_arxiv_id
from paperlab.config import Library
from paperlab.db import sqlite_utils
from paperlab.errors import PaperlabError, PdfError
from paperlab.fsutil import remove_empty_dir
from paperlab.models import Item


@dataclass
class Outcome:
    ref: str
    item_id: str | None
    status: str  # fetched | updated | exists | up-to-date | failed
    message: str

    @property
    def ok(self) -> bool:
        return self.status != "failed"


def item_from_metadata(meta: Metadata) -> Item:
    return Item(
        id=meta.arxiv_id, title=meta.title, type="paper",
        link=f"https://arxiv.org/abs/{meta.arxiv_id}", added_at=db.now(), authors=meta.authors,
        abstract=meta.abstract, arxiv_id=meta.arxiv_id, version=meta.version,
        categories=meta.categories, primary_category=meta.primary_category,
        published=meta.published, updated=meta.updated, doi=meta.doi,
        journal_ref=meta.journal_ref, comment=meta.comment,
    )


def _download_validated(
    client: ArxivClient, lib: Library, meta: Metadata, progress: Progress | None
) -> tuple[Path, str]:
    from paperlab.pdf import validate_pdf

    lib.papers_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".fetch-", suffix=".pdf", dir=lib.papers_dir)
    os.close(fd)
    tmp = Path(name)
    try:
        sha = client.download(meta.pdf_url, tmp, progress)
        try:
            validate_pdf(tmp)
        except PdfError as exc:
            raise PdfError(f"the PDF for {meta.arxiv_id} from {meta.pdf_url} is unusable: "
                           f"{str(exc).replace(tmp.name, 'download')}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, sha


def _store(
    lib: Library, database: sqlite_utils.Database, item: Item, tmp_pdf: Path | None,
    old: Item | None,
) -> None:
    """Move the PDF into place and write the rows in one transaction; undo the move on failure."""
    folder = lib.item_dir(item.id)
    dest = folder / "paper.pdf"
    created_folder = not folder.exists()
    backup: Path | None = None
    if tmp_pdf is not None:
        folder.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            backup = dest.with_name(".paper.pdf.bak")
            os.replace(dest, backup)
        os.replace(tmp_pdf, dest)
        item.pdf_path = str(dest.relative_to(lib.home))
    try:
        with db.transaction(database):
            if old is None:
                db.insert_item(database, item)
                db.add_log(database, item.id, "fetched", f"arXiv v{item.version}")
            else:
                db.replace_item(database, item)
                db.add_log(database, item.id, "version",
                           f"v{old.version} -> v{item.version} (reported numbers may have changed)")
    except BaseException:
        if tmp_pdf is not None:
            dest.unlink(missing_ok=True)
            if backup is not None:
                os.replace(backup, dest)
            elif created_folder:
                remove_empty_dir(folder)
        raise
    if backup is not None:
        backup.unlink(missing_ok=True)


def fetch_many(
    lib: Library,
    database: sqlite_utils.Database,
    refs: list[str],
    update: bool = False,
    with_pdf: bool = True,
    client: ArxivClient | None = None,
    progress_for: Callable[[str], Progress | None] | None = None,
) -> list[Outcome]:
    outcomes: dict[str, Outcome] = {}
    wanted: dict[ArxivId, tuple[str, Item | None]] = {}
    for ref in refs:
        try:
            parsed = parse_arxiv_id(ref)
        except PaperlabError as exc:
            outcomes[ref] = Outcome(ref, None, "failed", str(exc))
            continue
        existing = db.item_by_arxiv_id(database, parsed.id)
        if existing and not update:
            outcomes[ref] = Outcome(ref, existing.id, "exists",
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
                outcomes[ref] = Outcome(ref, None, "failed", str(result))
                continue
            outcomes[ref] = _fetch_one(lib, database, client, result, existing, with_pdf,
                                       progress_for(result.arxiv_id) if progress_for else None, ref)
    return [outcomes[r] for r in refs if r in outcomes]


def _fetch_one(
    lib: Library, database: sqlite_utils.Database, client: ArxivClient, meta: Metadata,
    existing: Item | None, with_pdf: bool, progress: Progress | None, ref: str,
) -> Outcome:
    if existing is not None and (meta.version or 0) <= (existing.version or 0):
        return Outcome(ref, existing.id, "up-to-date", f"v{existing.version} is the latest version")
    item = item_from_metadata(meta)
    if existing is not None:  # keep the reader's own fields across versions
        for name in ("status", "rating", "tags", "added_at", "started_at", "finished_at"):
            setattr(item, name, getattr(existing, name))
    tmp: Path | None = None
    try:
        if with_pdf:
            tmp, item.pdf_sha256 = _download_validated(client, lib, meta, progress)
        else:
            item.text_status = "none"
            if existing is not None:
                item.pdf_path, item.pdf_sha256 = existing.pdf_path, existing.pdf_sha256
        _store(lib, database, item, tmp, existing)
    except PaperlabError as exc:
        return Outcome(ref, None, "failed", str(exc))
    except OSError as exc:
        return Outcome(ref, None, "failed", f"cannot write into {lib.papers_dir}: {exc.strerror}")
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    if existing is not None:
        return Outcome(ref, item.id, "updated", f"v{existing.version} -> v{item.version}")
    return Outcome(ref, item.id, "fetched", item.title)


def stamped_arxiv_id(path: Path) -> ArxivId | None:
    """The arXiv id stamped in the margin of a PDF's first page, if any."""
    from paperlab.pdf import check_header, first_page_text

    try:
        check_header(path)
        return find_stamped_id(first_page_text(path))
    except PaperlabError:
        return None


def add_local_arxiv_pdf(
    lib: Library, database: sqlite_utils.Database, path: Path, arxiv_id: ArxivId
) -> Item:
    """Add a local copy of an arXiv paper with its metadata looked up on arXiv."""
    from paperlab.library import add_pdf

    try:
        result = ArxivClient(lib.settings).lookup([arxiv_id])[arxiv_id]
    except PaperlabError as exc:
        result = exc
    if isinstance(result, PaperlabError):
        raise PaperlabError(f"{result}; add the file without metadata with --no-lookup")
    return add_pdf(lib, database, path, item=item_from_metadata(result))
