"""Typed values kept in the `meta` table: each key has one reader and one writer here, so no caller
parses a packed string."""

from __future__ import annotations

from dataclasses import dataclass

from paperlab.store.schema import Database, get_meta, set_meta

FLOOR_KEY = "semantic_floor"  # stored as "<cosine> <vectors then> <model>"


@dataclass(frozen=True)
class Floor:
    """The cosine below which a semantic hit means nothing, for `model`, measured when the library
    had `vectors` vectors (ingest.calibrate_floor)."""

    value: float
    vectors: int
    model: str


def get_floor(db: Database) -> Floor | None:
    parts = (get_meta(db, FLOOR_KEY) or "").split(" ", 2)
    if len(parts) < 3:
        return None
    try:
        return Floor(float(parts[0]), int(parts[1]), parts[2])
    except ValueError:
        return None


def set_floor(db: Database, floor: Floor) -> None:
    set_meta(db, FLOOR_KEY, f"{floor.value:.4f} {floor.vectors} {floor.model}")
