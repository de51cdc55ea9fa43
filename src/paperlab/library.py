"""A library: its folder, its settings, where each item's files live, and its open database.

Every core function takes a Library. A command opens one (`open_library`) and the database is
connected (and migrated) the first time something asks for `lib.db`, once per command.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from paperlab.config import CONFIG_NAME, DB_NAME, DEFAULT_CONFIG, Settings, find_home
from paperlab.errors import InvalidInput, StorageError
from paperlab.fsutil import FileChanges, atomic_write_text, writer_lock
from paperlab.interaction import Interaction, Silent

if TYPE_CHECKING:
    from paperlab.store.schema import Database


def folder_name(item_id: str) -> str:
    """The folder of an item: old-style arXiv ids (`hep-th/9901001`) lose their slash."""
    return item_id.replace("/", "_")


class Library:
    """`ui` is how the core reaches the person running it (interaction.py): the CLI's terminal, a
    test's recorder, or `Silent` for a script."""

    def __init__(self, home: Path, settings: Settings | None = None, ui: Interaction | None = None,
                 shared: bool = False) -> None:
        self.home = home
        self.settings = settings or Settings()
        self.ui: Interaction = ui or Silent()
        self.shared = shared  # its connection may move between threads (the web app's search, locked)
        self._db: Database | None = None

    def __repr__(self) -> str:
        return f"Library({str(self.home)!r})"

    # --- the database ----------------------------------------------------------------------------

    @property
    def db(self) -> Database:
        if self._db is None:
            from paperlab.store.migrations import connect

            self._db = connect(self.db_path, shared=self.shared)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # --- where things are ------------------------------------------------------------------------

    @property
    def config_path(self) -> Path:
        return self.home / CONFIG_NAME

    @property
    def db_path(self) -> Path:
        return self.home / DB_NAME

    @property
    def papers_dir(self) -> Path:
        return self.home / "papers"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def replications_dir(self) -> Path:
        return self.home / "replications"

    def item_dir(self, item_id: str) -> Path:
        return self.papers_dir / folder_name(item_id)

    def pdf_path(self, item_id: str) -> Path:
        return self.item_dir(item_id) / "paper.pdf"

    def notes_path(self, item_id: str) -> Path:
        return self.item_dir(item_id) / "notes.md"

    def replication_dir(self, item_id: str) -> Path:
        return self.replications_dir / folder_name(item_id)

    def relative(self, path: Path) -> str:
        """`path` as shown to the user: relative to the library when inside it."""
        try:
            return str(path.relative_to(self.home))
        except ValueError:
            return str(path)

    # --- items -----------------------------------------------------------------------------------

    def writing(self, what: str) -> AbstractContextManager[None]:
        """The library's writer lock, held while `what` writes (another writer waits; readers never do)."""
        return writer_lock(self.home, what, self.settings.lock_timeout_s, on_wait=self.ui.waiting)

    @contextmanager
    def files_and_rows(self) -> Iterator[FileChanges]:
        """Files and rows written together: the SQL transaction commits, or the files written in
        it (through the FileChanges yielded) are undone with its rollback."""
        from paperlab.store.schema import transaction

        files = FileChanges()
        try:
            with transaction(self.db):
                yield files
        except BaseException:
            files.rollback()
            raise
        files.commit()

    def resolve_id(self, ref: str) -> str:
        """The item id for what a user typed: the id, its folder name, or any arXiv form of it."""
        from paperlab.arxiv.ids import parse_arxiv_id
        from paperlab.store.items import item_exists, not_found

        ref = ref.strip()
        if item_exists(self.db, ref):
            return ref
        candidates = []
        try:
            candidates.append(parse_arxiv_id(ref).id)
        except InvalidInput:
            pass
        if "_" in ref:
            candidates.append(ref.replace("_", "/", 1))
        for candidate in candidates:
            if item_exists(self.db, candidate):
                return candidate
        raise not_found(ref)


def open_library(explicit: Path | None = None, ui: Interaction | None = None) -> Library:
    """The library at --home, $PAPERLAB_HOME, or the nearest parent folder holding paperlab.toml."""
    home = find_home(explicit)
    return Library(home, Settings.load(home / CONFIG_NAME), ui)


def init_library(home: Path) -> tuple[Library, bool]:
    """Create the library folders, settings and database; returns (library, created)."""
    home = home.expanduser().resolve()
    created = not (home / CONFIG_NAME).exists()
    try:
        home.mkdir(parents=True, exist_ok=True)
        for sub in ("papers", "index", "replications"):
            (home / sub).mkdir(exist_ok=True)
        if created:
            atomic_write_text(home / CONFIG_NAME, DEFAULT_CONFIG)
    except OSError as exc:
        raise StorageError(f"cannot write to {home}: {exc.strerror or exc}; pick a writable folder") from exc
    lib = Library(home, Settings.load(home / CONFIG_NAME))
    lib.db  # noqa: B018  # creates and migrates paperlab.db
    return lib, created
