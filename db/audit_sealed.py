"""Sealed audit blocks: the byte format of a block of consecutive audit entries (all nine
columns exactly as stored, compressed) and the row-id key of its look-up table.

A block's body is a version byte, then nine frames, one per column in db.audit's order (seq …
detail, prev, hash): a 4-byte length and zlib (level 9) of the column as one compact JSON
list. Column by column, alike values (times, hashes, JSON details) compress about sevenfold,
and a search opens only the columns it looks at (Block.line). Two columns are written
shorter and given back exactly: `seq` as its first value then the step from each entry to the
next, and `prev` as null where it equals the previous entry's stored `hash` (written out in
full wherever it does not, and always for a block's first entry). Nothing here decides what
an entry may hold; db.audit's chain check reads what is decoded.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import zlib
from collections.abc import Sequence
from typing import Any

VERSION = 1
MAX_DECODED = 64 * 1024 * 1024   # a body that decompresses to more is refused: not ours
COLUMNS = 9   # seq, at, actor, action, tbl, row_id, detail, prev, hash
_TEXT = (1, 2, 3, 7, 8)          # columns never NULL (at, actor, action, prev, hash)
_MAYBE = (4, 5, 6)               # tbl, row_id, detail


class BlockError(ValueError):
    """A body that does not decode to well-formed entries (damaged or edited)."""


def row_key(row_id: str) -> int:
    """A record's key in audit_sealed_rows: the first 8 bytes of BLAKE2b of its id, as a
    signed 64-bit integer (an INTEGER costs 8 bytes where the id text costs 36; a rare
    collision only opens one block more, the entries are matched by their id)."""
    digest = hashlib.blake2b(row_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def encode(rows: Sequence[Sequence[Any]]) -> bytes:
    """A block's body from its entries (tuples of nine values, oldest first)."""
    if not rows:
        raise ValueError("an empty block")
    columns: list[list[Any]] = [[row[i] for row in rows] for i in range(COLUMNS)]
    seqs = columns[0]
    columns[0] = [seqs[0]] + [b - a for a, b in itertools.pairwise(seqs)]
    prev, hashes = columns[7], columns[8]
    columns[7] = [prev[0]] + [None if p == h else p
                              for p, h in zip(prev[1:], hashes, strict=False)]
    out = [bytes([VERSION])]
    for col in columns:
        frame = zlib.compress(json.dumps(col, ensure_ascii=False, separators=(",", ":"))
                              .encode("utf-8", "surrogatepass"), 9)
        out += [len(frame).to_bytes(4, "big"), frame]
    return b"".join(out)


class Block:
    """A body opened lazily: its frames are found at once (BlockError if they are not all
    there), each column inflated only when asked for."""

    def __init__(self, body: Any) -> None:
        if not isinstance(body, bytes) or len(body) < 1 + 4 * COLUMNS or body[0] != VERSION:
            raise BlockError("not a sealed block")
        self._body = body
        self._frames: list[tuple[int, int]] = []
        at = 1
        for _ in range(COLUMNS):
            size = int.from_bytes(body[at:at + 4], "big")
            at += 4
            if size < 1 or at + size > len(body):
                raise BlockError("a block cut short")
            self._frames.append((at, size))
            at += size
        if at != len(body):
            raise BlockError("a block with bytes after its columns")
        self._lines: dict[int, bytes] = {}

    def line(self, column: int) -> bytes:
        """One column's JSON text, inflated (once)."""
        if column not in self._lines:
            at, size = self._frames[column]
            try:
                unpack = zlib.decompressobj()
                raw = unpack.decompress(self._body[at:at + size], MAX_DECODED)
                if unpack.unconsumed_tail or not unpack.eof or unpack.unused_data:
                    raise BlockError("a column that does not decompress whole")
            except zlib.error as exc:
                raise BlockError(str(exc)) from exc
            self._lines[column] = raw
        return self._lines[column]

    def might_hold(self, column: int, text: str) -> bool:
        """False when no value of `column` can contain `text` (JSON escapes character by
        character, so a value holding the text holds its escaped form in the line): a search
        skips parsing a block that cannot match. True may still be no match."""
        needle = json.dumps(text, ensure_ascii=False)[1:-1].encode("utf-8", "surrogatepass")
        return needle in self.line(column)

    def rows(self) -> list[tuple]:
        """The entries, oldest first, as stored; BlockError when they are not well formed."""
        try:
            columns = [json.loads(self.line(i)) for i in range(COLUMNS)]
        except (ValueError, UnicodeDecodeError) as exc:
            raise BlockError(str(exc)) from exc
        return _entries(columns)


def decode(body: Any) -> list[tuple]:
    """The entries of a body, oldest first, as stored; BlockError when it is not a block."""
    return Block(body).rows()


def _entries(columns: list[Any]) -> list[tuple]:
    if not all(isinstance(c, list) for c in columns):
        raise BlockError("a block without its nine columns")
    n = len(columns[0])
    if n == 0 or any(len(c) != n for c in columns):
        raise BlockError("columns of different lengths")
    steps = columns[0]
    if not all(type(s) is int for s in steps):
        raise BlockError("a sequence number that is not an integer")
    seqs = [steps[0]]
    for step in steps[1:]:
        seqs.append(seqs[-1] + step)
    for i in _TEXT:
        allowed = (str, type(None)) if i == 7 else (str,)
        if not all(isinstance(v, allowed) for v in columns[i]):
            raise BlockError("a value of the wrong type")
    for i in _MAYBE:
        if not all(v is None or isinstance(v, str) for v in columns[i]):
            raise BlockError("a value of the wrong type")
    prev, hashes = columns[7], columns[8]
    if prev[0] is None:
        raise BlockError("a block's first entry without its link")
    prevs = [prev[0]] + [hashes[k] if prev[k + 1] is None else prev[k + 1]
                         for k in range(n - 1)]
    return list(zip(seqs, columns[1], columns[2], columns[3], columns[4], columns[5],
                    columns[6], prevs, hashes, strict=True))
