"""A person's category beside their name in a list: a 类别 column whose cell shows the
category's name on its colour, filled in per page of rows (one query per page)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlite_utils

from app import categories
from ui.widgets.lazy_table import Column

Fetch = Callable[[Sequence[str]], list[dict[str, Any]]]


def category_column() -> Column:
    """The 类别 column; rows carry `category` (name) and `category_colour` (see with_category)."""
    return Column("类别", lambda r: r.get("category") or "", width=60,
                  tone=lambda r: ("#ffffff", r["category_colour"])
                  if isinstance(r, dict) and r.get("category_colour") else None)


def name_tone(row: dict[str, Any]) -> tuple[str, str] | None:
    """The name cell on a light tint of the person's category colour."""
    colour = row.get("category_colour") if isinstance(row, dict) else None
    if not colour:
        return None
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#000000", f"#{(r + 510) // 3:02x}{(g + 510) // 3:02x}{(b + 510) // 3:02x}"


def with_category(db: sqlite_utils.Database, fetch: Fetch, key: str = "id") -> Fetch:
    """`fetch` whose rows also carry their person's category (rows keyed by resident id)."""
    def fetched(ids: Sequence[str]) -> list[dict[str, Any]]:
        rows = fetch(ids)
        found = categories.of(db, [r[key] for r in rows if r.get(key)])
        for r in rows:
            a = found.get(r.get(key) or "")
            r["category"] = a.name if a else ""
            r["category_colour"] = a.colour if a else ""
        return rows
    return fetched


def annotate(db: sqlite_utils.Database, rows: list[dict[str, Any]], key: str = "id"
             ) -> list[dict[str, Any]]:
    """The same for a list read at once (a household's members)."""
    return with_category(db, lambda _ids: rows, key)([])
