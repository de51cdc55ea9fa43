"""Every real PDF in ../shared, and the malformed ones, goes through `add` and `index` without a
traceback: a PDF that cannot be read is one error naming it, and the others are indexed."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperlab.errors import PaperlabError
from paperlab.log.items import add_file
from paperlab.retrieval.ingest import index_library

SHARED = Path(__file__).resolve().parents[2] / "shared"
REAL = sorted([*(SHARED / "data" / "papers").glob("*.pdf"), *(SHARED / "data" / "corpus" / "pdfs").glob("*.pdf")])
BAD = sorted((SHARED / "fixtures" / "bad-pdfs").glob("*.pdf"))


@pytest.mark.slow
@pytest.mark.skipif(not REAL, reason="../shared/data (the real papers) is not here")
def test_every_shared_pdf_is_added_and_indexed_without_a_traceback(lib):
    added, refused = [], {}
    for pdf in [*REAL, *BAD]:
        try:
            added.append(add_file(lib, pdf).id)
        except PaperlabError as exc:  # one line that says why; never another exception
            refused[pdf.name] = str(exc)
    assert not any(p.name in refused for p in REAL), refused
    report = index_library(lib)
    assert report.items == len(added) and not report.stopped
    unreadable = set(report.errors)
    assert len(added) - len(unreadable) >= len(REAL)  # every real paper has text
    for item_id, why in report.errors.items():
        assert why and "\n" not in why, (item_id, why)
