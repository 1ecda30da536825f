"""Search keys for residents' names: the name, its pinyin and initials, with surname readings."""

from __future__ import annotations

import re
from functools import lru_cache

# Full-width ASCII (U+FF01..U+FF5E) maps onto plain ASCII, the ideographic space onto a space;
# zero-width characters ride along when text is pasted from web pages or Excel.
_TO_HALF_WIDTH: dict[int, int | None] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_TO_HALF_WIDTH[0x3000] = 0x20
_TO_HALF_WIDTH.update(dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None))

# Separators inside names that a search should see through: the middle dot of minority and
# foreign names (阿依古丽·买买提) in its common look-alikes, apostrophes and hyphens (O'Neil).
_SEPARATORS = frozenset("\u00b7\u2022\u2027\u30fb\uff65\u0387'\u2019-")
_SEPARATORS_TO_SPACE: dict[int, str] = dict.fromkeys(map(ord, _SEPARATORS), " ")
# % and _ are LIKE wildcards; a query must not smuggle them into `'%' || q || '%'`.
_REMOVE_FROM_QUERY: dict[int, int | None] = dict.fromkeys(map(ord, "%_" + "".join(_SEPARATORS)))
# Control characters too: SQLite reads a LIKE pattern up to its first NUL, so a query of
# "\x00" became '%' and listed everyone.
_REMOVE_FROM_QUERY.update(dict.fromkeys([*range(0x20), *range(0x7F, 0xA0)]))

# Two-character surnames: the pair is the surname, not just its first character.
_COMPOUND_SURNAMES = frozenset(
    ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "司徒", "长孙", "尉迟", "万俟")
)

# How surnames are read, where that differs from (or is not first among) the everyday reading.
_SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "单": ("shan",),
    "曾": ("zeng",),
    "解": ("xie",),
    "仇": ("qiu",),
    "区": ("ou",),
    "查": ("zha",),
    "朴": ("piao",),
    "覃": ("qin",),
    "盖": ("ge",),
    "翟": ("zhai",),
    "缪": ("miao",),
    "种": ("chong",),
    "乐": ("yue",),
    "尉": ("yu",),
    "任": ("ren",),
    "华": ("hua",),
    "万": ("wan",),
    "秘": ("bi",),
    "员": ("yun",),
    "长孙": ("zhang", "sun"),
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
}


@lru_cache(maxsize=32768)
def _readings(char: str) -> tuple[str, ...]:
    """Every toneless reading pypinyin knows for one character, commonest first; () if none."""
    # pypinyin's dictionaries take a tenth of a second to load: not on the start-up path.
    from pypinyin import Style, pinyin

    found = pinyin(char, style=Style.NORMAL, heteronym=True, errors=lambda _: None)
    return tuple(dict.fromkeys(r.lower() for group in found for r in group if r))


@lru_cache(maxsize=65536)
def _phrase_reading(run: str) -> tuple[str, ...]:
    """Readings of a run of known characters, using pypinyin's phrases (长春 → chang chun)."""
    if all(len(_readings(ch)) == 1 for ch in run):  # nothing to disambiguate: skip the phrases
        return tuple(_readings(ch)[0] for ch in run)
    from pypinyin import Style, lazy_pinyin

    readings = tuple(r.lower() for r in lazy_pinyin(run, style=Style.NORMAL, errors="ignore"))
    if len(readings) != len(run):  # a phrase split oddly: fall back to character by character
        return tuple(_readings(ch)[0] for ch in run)
    return readings


def _name_parts(name: str) -> list[str]:
    """Half-width, lowercase parts of a name, split at whitespace and name separators."""
    text = name.translate(_TO_HALF_WIDTH).lower()
    return text.translate(_SEPARATORS_TO_SPACE).split()


def _units(parts: list[str]) -> list[tuple[str, bool]]:
    """Split a name's parts into (text, is_known_han) units.

    A character pypinyin can read is one unit; consecutive letters and digits of alphabetic
    scripts form one word unit (a separator ends it); any other character (a rare ideograph
    such as 𠮷) stands alone.
    """
    units: list[tuple[str, bool]] = []
    for part in parts:
        word = ""
        for ch in part:
            if ch.isalnum() and ord(ch) < 0x2E80 and not _readings(ch):
                word += ch
                continue
            if word:
                units.append((word, False))
                word = ""
            units.append((ch, bool(_readings(ch))))
        if word:
            units.append((word, False))
    return units


def _syllables(units: list[tuple[str, bool]]) -> list[str]:
    """One pinyin syllable per unit; runs of known characters are read as phrases."""
    out: list[str] = []
    run = ""
    for text, known in units:
        if known:
            run += text
            continue
        if run:
            out.extend(_phrase_reading(run))
            run = ""
        out.append(text)
    if run:
        out.extend(_phrase_reading(run))
    return out


def _initials(syllables: list[str] | tuple[str, ...]) -> str:
    return "".join(s[0] for s in syllables if s)


# Most names are two to four characters of the basic ideograph block, each one pypinyin reads:
# they take a shorter way to the same split (37,000 names: 0.5 s less in a snapshot import).
_PLAIN_HAN = re.compile("[\u4e00-\u9fff]{1,8}")


@lru_cache(maxsize=65536)  # common names repeat: 100,000 residents have ~54,000 names
def _split_name(name: str) -> tuple[str, int, tuple[str, ...], tuple[str, ...]] | None:
    """(cleaned name, surname length, surname syllables, given-name syllables)."""
    if _PLAIN_HAN.fullmatch(name) and all(map(_readings, name)):
        surname_len = 2 if name[:2] in _COMPOUND_SURNAMES else 1
        given = name[surname_len:]
        return (name, surname_len, _phrase_reading(name[:surname_len]),
                _phrase_reading(given) if given else ())
    parts = _name_parts(name)
    if not parts:
        return None
    cleaned = "".join(parts)
    units = _units(parts)
    if len(units) >= 2 and units[0][1] and cleaned[:2] in _COMPOUND_SURNAMES:
        surname_len = 2
    elif units[0][1]:
        surname_len = 1
    else:
        surname_len = 0  # a Latin or unreadable first unit: no surname variants
    # Surname and given name are read separately, so that a phrase never straddles the two.
    return (cleaned, surname_len, tuple(_syllables(units[:surname_len])),
            tuple(_syllables(units[surname_len:])))


@lru_cache(maxsize=65536)  # a sync snapshot indexes 100,000 residents in one pass
def name_primary_key(name: str) -> str:
    """The usual reading as "<full pinyin> <first letters>", the surname read as a surname
    (单田芳 → "shantianfang stf"): search ranks these hits first and sorts by them."""
    split = _split_name(name)
    if split is None:
        return ""
    cleaned, surname_len, surname, given = split
    special = _SURNAME_READINGS.get(cleaned[:surname_len]) if surname_len else None
    syllables = [*(special or surname), *given]
    return f"{''.join(syllables)} {_initials(syllables)}"


@lru_cache(maxsize=4096)
def _surname_variants(surname_text: str, surname: tuple[str, ...]
                      ) -> tuple[tuple[str, str], ...]:
    """(full pinyin, first letters) of every reading of a surname: each reading of its first
    character, then its usual reading as a surname where that is special (单 → dan, shan, chan)."""
    variants = [(reading, *surname[1:]) for reading in _readings(surname_text[0])]
    special = _SURNAME_READINGS.get(surname_text)
    if special:
        variants.append(special)
    return tuple(("".join(v), _initials(v)) for v in variants)


@lru_cache(maxsize=65536)
def name_search_key(name: str) -> str:
    """Return the lowercase, space-separated tokens a resident's name is found by.

    Tokens: the name itself, its full pinyin (张三 → zhangsan), its first letters (zs), and for
    the surname every reading of its first character plus the usual surname reading, each joined
    with the given name's pinyin as full pinyin and as first letters (单田芳 → shantianfang stf).
    A query (see normalize_query) never spans two tokens, so a token contained in another one
    is dropped to keep the stored key short.
    """
    split = _split_name(name)
    if split is None:
        return ""
    cleaned, surname_len, surname, given = split
    given_full, given_initials = "".join(given), _initials(given)
    tokens = [cleaned, "".join(surname) + given_full, _initials(surname) + given_initials]
    if surname_len:
        for full, initials in _surname_variants(cleaned[:surname_len], surname):
            tokens.append(full + given_full)
            tokens.append(initials + given_initials)

    unique = list(dict.fromkeys(t for t in tokens if t))
    # A token inside another one occurs twice in them all, joined by a character no token has.
    joined = "\0".join(unique)
    return " ".join(t for t in unique if joined.count(t) == 1)


def normalize_query(text: str) -> str:
    """Make typed search text fit `key LIKE '%' || q || '%'`.

    Strips and lowercases, turns full-width letters and digits half-width, and removes inner
    whitespace, name separators (·) and the LIKE wildcards % and _. An empty result means the
    query has nothing to search for (in SQL it would match every row).
    """
    text = text.translate(_TO_HALF_WIDTH).translate(_REMOVE_FROM_QUERY).lower()
    return "".join(text.split())


def query_matches(name: str, query: str) -> bool:
    """Whether a search for `query` finds `name`, exactly as the SQL LIKE on the key would."""
    return normalize_query(query) in name_search_key(name)
