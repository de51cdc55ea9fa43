"""Parse every form of arXiv identifier a user pastes into (id without version, version).

Pure and import-light, so commands that only need an id never load the network client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from paperlab.errors import InvalidInput

_NEW = r"(?P<new>(?:0[7-9]|[1-9]\d)(?:0[1-9]|1[0-2])\.\d{4,5})"
# Old style: archive, optional subject class (dropped from the canonical id), 7 digits YYMMNNN.
_OLD = r"(?P<old>(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[A-Za-z]{2}(?:-[a-z]{2})?)?/(?P<num>\d{7}))"
_VERSION = r"(?:v(?P<version>[1-9]\d{0,2}))?"
_ID = re.compile(rf"(?:{_NEW}|{_OLD}){_VERSION}")
_URL = re.compile(
    r"https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/(?P<rest>.+?)(?:\.pdf)?/?(?:[?#].*)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ArxivId:
    id: str  # canonical, without version: 2201.02177 or hep-th/9901001
    version: int | None = None

    @property
    def versioned(self) -> str:
        return f"{self.id}v{self.version}" if self.version else self.id

    def __str__(self) -> str:
        return self.versioned


def parse_arxiv_id(text: str) -> ArxivId:
    """Return the id in `text` or raise InvalidInput; never touches the network."""
    raw = text.strip()
    candidate = raw
    url = _URL.fullmatch(raw)
    if url:
        candidate = url.group("rest")
    elif raw[:6].lower() == "arxiv:":
        candidate = raw[6:].strip()
    match = _ID.fullmatch(candidate)
    if match and match.group("new"):
        yymm, number = match.group("new").split(".")
        # 4 digits after the dot until 2014, 5 digits from 1501 on
        if (len(number) == 5) != (int(yymm) >= 1501):
            match = None
    if not match:
        shown = raw if len(raw) <= 60 else raw[:57] + "..."
        raise InvalidInput(
            f"'{shown}' is not an arXiv id; expected e.g. 2201.02177, 2201.02177v2, "
            "arXiv:2201.02177, https://arxiv.org/abs/2201.02177 or hep-th/9901001"
        )
    if match.group("new"):
        canonical = match.group("new")
    else:
        canonical = f"{match.group('archive')}/{match.group('num')}"
    version = int(match.group("version")) if match.group("version") else None
    return ArxivId(canonical, version)


_STAMP = re.compile(
    r"arXiv:\s*(?P<id>(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?)", re.IGNORECASE
)


def find_stamped_id(text: str) -> ArxivId | None:
    """The id in an arXiv margin stamp such as `arXiv:2201.02177v1 [cs.LG] 6 Jan 2022`."""
    for match in _STAMP.finditer(text):
        try:
            return parse_arxiv_id(match.group("id"))
        except InvalidInput:
            continue
    return None
