"""Dates as people read them: 2026年5月12日 on paper and in messages (Arabic numerals, as
GB/T 9704 asks), 5月12日 in lists. ISO strings from the database are taken as they come."""

from __future__ import annotations

from datetime import date


def _as_date(day: date | str) -> date:
    return date.fromisoformat(day) if isinstance(day, str) else day


def cn_date(day: date | str) -> str:
    """2026年5月12日"""
    day = _as_date(day)
    return f"{day.year}年{day.month}月{day.day}日"


def short_date(day: date | str) -> str:
    """5月12日"""
    day = _as_date(day)
    return f"{day.month}月{day.day}日"
