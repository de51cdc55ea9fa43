"""The words of a paper as the feed's lexical model sees them: its title, abstract and authors read
as one text, split into runs of two or more letters or digits (a hyphenated word is its parts),
stop words left out, each word and each pair of adjacent words one feature; hashed to a fixed
space so they can be stored per candidate at pull time and read back without re-tokenising.

Stored features carry a version mark (MARK): features stored by an earlier version are computed
again from the candidate's text (`feed.pull.refresh_terms`).
"""

from __future__ import annotations

import re
import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


BITS = 20  # features are hashed into 2**20 buckets
_TOKEN = re.compile(r"[^\W_]{2,}")
MARK = b"PT2\x00"  # no stored bucket id starts with these bytes (ids are below 2**20)
STOP_WORDS = frozenset("""
a about above across after afterwards again against all almost alone along already also although always am
among amongst an and another any anyhow anyone anything anyway anywhere are around as at be became because
become becomes been before beforehand behind being below beside besides between beyond both but by can
cannot could did do does doing done down due during each eg either else elsewhere enough especially etc even
ever every everyone everything everywhere except few first for former formerly from further furthermore had
has have having he hence her here hereby herein hers herself him himself his how however i ie if in indeed
instead into is it its itself just last latter least less like made many may me meanwhile might more moreover
most mostly much must my myself namely neither never nevertheless new next no nor not nothing now of off
often on once one only onto or other others otherwise our ours ourselves out over own per perhaps please
propose proposed present rather same several she should show shows since so some still such than that the
their them themselves then thence there thereby therefore these they this those though through throughout
thus to together too toward towards two under until up upon us use used using very via was we well were what
whatever when whence whenever where whereas whether which while who whom whose why will with within without
would yet you your yours paper work approach method methods results based
""".split())


def words(text: str) -> list[str]:
    return [w for w in _TOKEN.findall(text.lower()) if w not in STOP_WORDS]


def features(title: str, abstract: str, authors: list[str] | None = None) -> list[str]:
    """The lexical features of a paper, one entry per occurrence."""
    ws = words(" ".join([title, abstract, *(authors or [])]))
    return ws + [f"{a} {b}" for a, b in zip(ws, ws[1:], strict=False)]


def bucket(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8")) & ((1 << BITS) - 1)


def hashed(feats: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Sorted bucket ids and their counts."""
    import numpy as np

    if not feats:
        return np.zeros(0, np.uint32), np.zeros(0, np.uint16)
    ids, counts = np.unique(np.fromiter((bucket(f) for f in feats), np.uint32, len(feats)), return_counts=True)
    return ids.astype(np.uint32), np.minimum(counts, 65535).astype(np.uint16)


def pack(ids: np.ndarray, counts: np.ndarray) -> bytes:
    return MARK + ids.astype("<u4").tobytes() + counts.astype("<u2").tobytes()


def current(blob: bytes) -> bool:
    """Whether stored features were made by this version of `features`."""
    return blob.startswith(MARK)


def unpack(blob: bytes) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    if not current(blob):
        raise ValueError("features stored by an earlier version: compute them again")
    n = (len(blob) - len(MARK)) // 6
    return np.frombuffer(blob, "<u4", n, offset=len(MARK)), np.frombuffer(blob, "<u2", n, offset=len(MARK) + 4 * n)
