"""The arXiv id parser: every form users paste, nothing else, and no path escapes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperlab.arxiv.ids import find_stamped_id, parse_arxiv_id
from paperlab.errors import InvalidInput
from paperlab.library import folder_name


@pytest.mark.parametrize(
    ("text", "canonical", "version"),
    [
        ("2201.02177", "2201.02177", None),
        ("2201.02177v2", "2201.02177", 2),
        ("arXiv:2201.02177", "2201.02177", None),
        ("ARXIV: 2201.02177v3", "2201.02177", 3),
        ("https://arxiv.org/abs/2201.02177v1", "2201.02177", 1),
        ("https://arxiv.org/pdf/2201.02177.pdf", "2201.02177", None),
        ("http://export.arxiv.org/pdf/2201.02177v2", "2201.02177", 2),
        ("https://arxiv.org/abs/2201.02177?context=cs", "2201.02177", None),
        ("  1706.03762  ", "1706.03762", None),
        ("0704.0001", "0704.0001", None),
        ("hep-th/9901001", "hep-th/9901001", None),
        ("math.GT/0309136v2", "math/0309136", 2),
        ("astro-ph/0601001", "astro-ph/0601001", None),
        ("https://arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001", 1),
    ],
)
def test_accepts_every_pasted_form(text, canonical, version):
    parsed = parse_arxiv_id(text)
    assert (parsed.id, parsed.version) == (canonical, version)


@pytest.mark.parametrize(
    "text",
    ["", "abc", "2201.0217", "2201.021777", "2213.02177", "2201.02177v0", "../2201.02177",
     "2201.02177/../../etc", "/etc/passwd", "hep-th/990100", "hep-th/../../x", "2201.02177v2v3",
     "https://evil.org/abs/2201.02177", "2201.02177 2201.02178", "HEP-TH/9901001", "hep-th\\9901001"],
)
def test_rejects_everything_else(text):
    with pytest.raises(InvalidInput, match="is not an arXiv id"):
        parse_arxiv_id(text)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_never_crashes_and_never_escapes(text):
    papers = Path("/library/papers")
    try:
        parsed = parse_arxiv_id(text)
    except InvalidInput:
        return
    folder = folder_name(parsed.id)
    assert (papers / folder).resolve().parent == papers
    assert "/" not in folder and folder not in {".", ".."}


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"(https://arxiv\.org/(abs|pdf)/|arXiv:)?[0-9]{4}\.[0-9]{4,5}(v[0-9])?", fullmatch=True))
def test_near_miss_inputs(text):
    try:
        parsed = parse_arxiv_id(text)
    except InvalidInput:
        return
    assert folder_name(parsed.id).replace(".", "").isdigit()


def test_stamp_on_first_page():
    text = "Some title\narXiv:2201.02177v1  [cs.LG]  6 Jan 2022\nAbstract"
    assert parse_arxiv_id("2201.02177v1") == find_stamped_id(text)
    assert find_stamped_id("no id here") is None
