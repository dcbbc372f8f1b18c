"""Explicit transition tables for the status fields of every state machine."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Generic, TypeVar

from core.errors import CoreError
from core.labels import LabelText

S = TypeVar("S", bound=StrEnum)


class TransitionTable(Generic[S]):
    """The moves a status may make; anything not listed raises ``CoreError("invalid_transition")``.

    ``subject`` is what moves, as people call it (a lazy gettext string such as ``_l("订单")``);
    the refusal names it and the two statuses by their labels (see ``core.labels``).
    """

    def __init__(self, subject: Any, allowed: Mapping[S, frozenset[S]]) -> None:
        self.subject = subject
        self._allowed = dict(allowed)

    def can(self, current: S, target: S) -> bool:
        return target in self._allowed.get(current, frozenset())

    def check(self, current: S, target: S) -> None:
        if not self.can(current, target):
            raise CoreError(
                "invalid_transition",
                subject=self.subject,
                current=LabelText(current),
                target=LabelText(target),
            )

    def targets(self, current: S) -> frozenset[S]:
        return self._allowed.get(current, frozenset())
