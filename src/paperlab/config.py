"""Where a library is and what its settings are.

Precedence, highest first: command-line option, environment variable, `paperlab.toml`, default.
The library itself is found from `--home`, then `PAPERLAB_HOME`, then the nearest parent folder of the
working directory that holds `paperlab.toml` (the way git finds `.git`), stopping below the folders
listed in `PAPERLAB_CEILING_DIRECTORIES`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import tomllib

from paperlab.errors import InvalidInput, LibraryNotFound

CONFIG_NAME = "paperlab.toml"
DB_NAME = "paperlab.db"
DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_API_URL = "https://export.arxiv.org/api/query"
PRECISIONS = ("auto", "float32")

# Settings that an environment variable may override: setting name -> variable.
ENV_OVERRIDES = {
    "arxiv_api_url": "PAPERLAB_ARXIV_API_URL",
    "arxiv_delay_s": "PAPERLAB_ARXIV_DELAY",
    "embedding_model": "PAPERLAB_EMBEDDING_MODEL",
}


@dataclass(frozen=True)
class Settings:
    embedding_model: str = DEFAULT_MODEL
    arxiv_api_url: str = DEFAULT_API_URL
    arxiv_delay_s: float = 3.0  # arXiv asks for at most one API request every 3 seconds
    http_timeout_s: float = 30.0
    http_retries: int = 4
    backoff_s: float = 2.0
    chunk_tokens: int = 256
    chunk_overlap: int = 32
    approx_index_above: int = 200_000
    index_precision: str = "auto"  # "auto": bfloat16 products where the CPU has them; "float32"
    lock_timeout_s: float = 600.0  # how long a writer waits for another one to finish
    feed_categories: str = ""  # "cs.LG cs.CL": what `feed pull` asks for; empty: the library's papers' own
    feed_page_size: int = 200  # papers per arXiv listing request
    feed_background: int = 10_000  # other candidates the feed's ranker learns against (0: all of them)
    run_confirm_gpu_hours: float = 1.0  # `replicate run` asks before a job estimated above this (H100 hours)
    user_agent: str = "paperlab/0.1 (+https://github.com/paperlab/paperlab)"

    @classmethod
    def load(cls, config_path: Path | None) -> Settings:
        values: dict[str, Any] = {}
        if config_path is not None and config_path.exists():
            try:
                data = tomllib.loads(config_path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise InvalidInput(f"{config_path} is not valid TOML: {exc}; fix or delete it") from exc
            values.update(data.get("paperlab", data))
        for name, var in ENV_OVERRIDES.items():
            if os.environ.get(var):
                values[name] = os.environ[var]
        return cls.from_mapping(values, origin=str(config_path or "environment"))

    @classmethod
    def from_mapping(cls, values: dict[str, Any], origin: str = "settings") -> Settings:
        known = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, raw in values.items():
            if key not in known:
                raise InvalidInput(f"unknown setting '{key}' in {origin}; known: {', '.join(known)}")
            kind: Any = type(known[key].default)
            try:
                kwargs[key] = kind(raw)
            except (TypeError, ValueError) as exc:
                what = {"int": "a whole number", "float": "a number", "bool": "true or false"}.get(
                    kind.__name__, "text")
                raise InvalidInput(f"setting '{key}' in {origin} must be {what}, got {raw!r}") from exc
        settings = replace(cls(), **kwargs)
        if settings.index_precision not in PRECISIONS:
            raise InvalidInput(f"setting 'index_precision' in {origin} must be one of "
                               f"{', '.join(PRECISIONS)}, got {settings.index_precision!r}")
        return settings


def find_home(explicit: Path | None = None, cwd: Path | None = None) -> Path:
    if explicit is not None:
        home = explicit.expanduser().resolve()
        if not (home / CONFIG_NAME).exists():
            raise LibraryNotFound(
                f"{home} is not a paperlab library; create one with `paperlab init {home}`"
            )
        return home
    env = os.environ.get("PAPERLAB_HOME")
    if env:
        return find_home(Path(env))
    start = (cwd or Path.cwd()).resolve()
    # as git's GIT_CEILING_DIRECTORIES: the search never climbs into these folders or above them
    ceilings = {Path(c).expanduser().resolve() for c in
                os.environ.get("PAPERLAB_CEILING_DIRECTORIES", "").split(os.pathsep) if c}
    for folder in (start, *start.parents):
        if folder != start and folder in ceilings:
            break
        if (folder / CONFIG_NAME).exists():
            return folder
        if folder in ceilings:
            break
    raise LibraryNotFound(
        "not inside a paperlab library; create one with `paperlab init [DIR]`, "
        "or point to one with --home or PAPERLAB_HOME"
    )


DEFAULT_CONFIG = f"""\
# paperlab library settings. Environment variables override these (see README).
[paperlab]
embedding_model = "{DEFAULT_MODEL}"   # any sentence-transformers model name or local path
arxiv_api_url = "{DEFAULT_API_URL}"
arxiv_delay_s = 3.0        # seconds between arXiv API requests
http_timeout_s = 30.0
http_retries = 4
chunk_tokens = 256         # word pieces per chunk (the model's input length)
chunk_overlap = 32
approx_index_above = 200000  # vectors; above this an IVF index replaces exact search
index_precision = "auto"   # "auto": `index` multiplies in bfloat16 where the CPU has it; "float32"
lock_timeout_s = 600.0     # how long a command that writes waits for another one to finish
feed_categories = ""       # e.g. "cs.LG cs.CL" for `feed pull`; empty: the categories of the library's papers
run_confirm_gpu_hours = 1.0  # `replicate run` asks before a job estimated above this many H100-hours
"""
