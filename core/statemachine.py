"""Explicit transition tables for the status fields of every state machine."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from core.errors import InvalidTransition

S = TypeVar("S", bound=StrEnum)


class TransitionTable(Generic[S]):
    """The moves a status may make; anything not listed raises ``InvalidTransition``."""

    def __init__(self, subject: str, allowed: Mapping[S, frozenset[S]]) -> None:
        self.subject = subject
        self._allowed = dict(allowed)

    def can(self, current: S, target: S) -> bool:
        return target in self._allowed.get(current, frozenset())

    def check(self, current: S, target: S) -> None:
        if not self.can(current, target):
            raise InvalidTransition(
                f"{self.subject}: cannot go from {current.value} to {target.value}"
            )

    def targets(self, current: S) -> frozenset[S]:
        return self._allowed.get(current, frozenset())
