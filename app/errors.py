"""Errors a person can cause, carrying the Chinese text the window shows beside each field."""

from __future__ import annotations


class FormError(Exception):
    """One or more fields are wrong; nothing was saved. `errors` maps field → message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("；".join(errors.values()))
        self.errors = errors

    @property
    def message(self) -> str:
        return "\n".join(self.errors.values())
