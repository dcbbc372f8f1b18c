"""People see a status, a kind or a unit by its translated name, never by its enum value.

An enum whose members are shown to people derives from ``Labelled`` and declares its names
once, right after the class::

    class StopStatus(Labelled):
        PENDING = "pending"
        DELIVERED = "delivered"

    STOP_STATUS_NAMES = name_members(StopStatus, {StopStatus.PENDING: _l("待送"), ...})

Python reads ``StopStatus.PENDING.label``; templates write ``{{ stop.status|label }}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

E = TypeVar("E", bound=StrEnum)

_NAMES: dict[type[StrEnum], Mapping[Any, Any]] = {}


class Labelled(StrEnum):
    """A StrEnum whose every member has a translated name for people (see ``name_members``)."""

    @property
    def label(self) -> str:
        return str(_NAMES[type(self)][self])


def name_members(enum: type[E], names: Mapping[E, Any]) -> Mapping[E, Any]:
    """Register the names of every member of ``enum`` (lazy gettext strings); returns them."""
    missing = [member.value for member in enum if member not in names]
    if missing:
        raise ValueError(f"{enum.__name__} has members without a name: {missing}")
    _NAMES[enum] = names
    return names


def label(value: object) -> str:
    """The name people see for a member of a labelled enum; anything else as text.

    A plain string equal to a member's value (a status read from JSON, a form) is not
    recognised: pass the member itself.
    """
    names = _NAMES.get(type(value))  # type: ignore[arg-type]
    if names is None:
        return "" if value is None else str(value)
    return str(names[value])


class LabelText:
    """A member shown by its label in the language current when it is turned into text (an
    error's parameter: the message is read later, maybe in another language)."""

    def __init__(self, member: StrEnum) -> None:
        self.member = member

    def __str__(self) -> str:
        return label(self.member)


_REFERENCE_KINDS: dict[str, Any] = {}


def name_reference_kind(kind: str, pattern: Any) -> None:
    """How people read a reference ``kind:id`` (``"order:7"``): ``pattern`` is a lazy gettext
    string with ``%(id)s``, e.g. ``_l("订单 %(id)s号")``. The package owning the kind says it."""
    _REFERENCE_KINDS[kind] = pattern


def describe_reference(reference: str) -> str:
    """``"order:7"`` as people read it (``订单 7号``); one of no registered kind as it is."""
    kind, _, ident = reference.partition(":")
    pattern = _REFERENCE_KINDS.get(kind)
    if pattern is None or not ident:
        return reference
    return str(pattern) % {"id": ident}


def labelled_values() -> set[str]:
    """Every value of every labelled enum (a page in Chinese should show none of them)."""
    return {member.value for enum in _NAMES for member in enum}
