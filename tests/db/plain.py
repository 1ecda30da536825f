"""Opening a database at the db layer alone, with plain key functions (no pinyin): what the
db tests need, and nothing the app would write residents with."""

from __future__ import annotations

from db.connection import open_database


def plain_key(name, id_number, phone) -> str:
    return " ".join(p for p in (name, id_number, phone) if p).lower()


def open_plain(path, create: bool = False):
    return open_database(path, create=create, search_key=plain_key,
                         reading=lambda name: (name or "").lower())
