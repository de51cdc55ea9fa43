"""What makes two items the same, in one place: `add`, `import` and the checks before them all ask
here. Two items are the same when they share any of: the arXiv id, the PDF's sha256, the DOI, the
link, or the title (compared in a normal form: case, punctuation and spacing aside)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from paperlab.log.incoming import normal_title
from paperlab.store.items import list_items

if TYPE_CHECKING:
    from paperlab.library import Library
    from paperlab.models import Item

# what each key is called when a match is refused: "this PDF is already in the library as ..."
KEY_NAMES = {"sha": "this PDF", "arxiv": "arXiv paper", "doi": "DOI", "link": "this link", "title": "this title"}


def keys(title: str = "", arxiv_id: str | None = None, link: str = "", doi: str = "", sha: str = "") -> list[str]:
    """The keys an item is known by, the most specific first."""
    out = [f"sha:{sha}"] if sha else []
    out += [f"arxiv:{arxiv_id}"] if arxiv_id else []
    out += [f"doi:{doi.lower()}"] if doi else []
    out += [f"link:{link.rstrip('/')}"] if link else []
    return out + ([f"title:{normal_title(title)}"] if normal_title(title) else [])


class Identity:
    """The items a library holds (and those a file adds as it is read), by every key."""

    def __init__(self, items: list[Item]) -> None:
        self.by_key: dict[str, str] = {}
        for item in items:
            self.add(item.id, title=item.title, arxiv_id=item.arxiv_id, link=item.link, doi=item.doi,
                     sha=item.pdf_sha256)

    def add(self, item_id: str, **parts: str | None) -> None:
        for key in keys(**parts):  # type: ignore[arg-type]
            self.by_key.setdefault(key, item_id)

    def find(self, **parts: str | None) -> tuple[str, str] | None:
        """(the item's id, what matched: sha, arxiv, doi, link or title), or None."""
        for key in keys(**parts):  # type: ignore[arg-type]
            if key in self.by_key:
                return self.by_key[key], key.split(":", 1)[0]
        return None


def same_item(lib: Library, **parts: str | None) -> tuple[Item, str] | None:
    """The item the library already holds that is the same as one described by `parts`, and what
    matched; None when there is none."""
    items = list_items(lib.db)
    found = Identity(items).find(**parts)
    if found is None:
        return None
    return next(i for i in items if i.id == found[0]), found[1]
