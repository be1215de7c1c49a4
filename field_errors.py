"""Typed input errors shared by every layer: a bad field with its reason in Indonesian and English."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One bad field: its name and the reason in Indonesian and English."""

    field: str
    message_id: str
    message_en: str

    @property
    def message(self) -> str:
        return self.message_en

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message_en}


class ValidationFailed(ValueError):
    """One or more fields are invalid; nothing was stored."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message_en}" for e in errors))
        self.errors = tuple(errors)


def fail(field: str, message_id: str, message_en: str) -> ValidationFailed:
    """A :class:`ValidationFailed` for one field (to ``raise``)."""
    return ValidationFailed([FieldError(field, message_id, message_en)])
