"""Explicit transition tables for the status fields of every state machine.

Every model with a status mixes in :class:`StatusMachine` and names its table::

    class Order(StatusMachine[OrderStatus], Base):
        transitions = ORDER_TRANSITIONS
        status: Mapped[OrderStatus] = mapped_column(...)

Services change a status only with ``record.move_to(target)``, which refuses a move the
table does not list with ``CoreError("invalid_transition")``. What a move sets off beyond
the status (a timestamp, a signal, the storefront cache) lives in the model's
``after_move``, so no service writes it again. Claims that several workers race for (an
SMS being sent, a campaign being closed, a hold expiring) stay conditional UPDATEs whose
WHERE names the from-state; they are moves the table lists too.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from core.errors import CoreError
from core.labels import LabelText

S = TypeVar("S", bound=StrEnum)


class TransitionTable(Generic[S]):
    """The moves a status may make; anything not listed raises ``CoreError("invalid_transition")``.

    ``subject`` is what moves, as people call it (a lazy gettext string such as ``_l("订单")``);
    the refusal names it and the two statuses by their labels (see ``core.labels``).
    ``initial`` holds the statuses a record is created in; every status of the enum must be
    reachable from them (tests/core/test_state_machines.py checks it).
    """

    def __init__(
        self, subject: Any, allowed: Mapping[S, frozenset[S]], *, initial: frozenset[S]
    ) -> None:
        self.subject = subject
        self._allowed = dict(allowed)
        self.initial = initial

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

    @property
    def states(self) -> frozenset[S]:
        """Every member of the status enum."""
        (some, *_) = self.initial
        return frozenset(type(some))

    def reachable(self) -> frozenset[S]:
        """The statuses a record can get to from where it is created."""
        seen: set[S] = set(self.initial)
        frontier = list(self.initial)
        while frontier:
            for target in self.targets(frontier.pop()) - seen:
                seen.add(target)
                frontier.append(target)
        return frozenset(seen)


class StatusMachine(Generic[S]):
    """A model whose ``status`` column moves only along its class's ``transitions``.

    Mixed in before ``Base``; every such class is registered in ``MACHINES`` (the
    every-pair test walks them all).
    """

    transitions: ClassVar[TransitionTable[Any]]
    if TYPE_CHECKING:  # the column itself is declared by each model
        status: S

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "transitions" in cls.__dict__:
            MACHINES.append(cls)

    def move_to(self, target: S) -> None:
        """Move to ``target`` or refuse with ``CoreError("invalid_transition")``."""
        previous = self.status
        self.transitions.check(previous, target)
        self.status = target
        self.after_move(previous)

    def advance_to(self, target: S) -> bool:
        """Move to ``target`` when the table allows it, else stay: for reports from outside
        (a payment provider) that may arrive twice or out of order. True when it moved."""
        if not self.transitions.can(self.status, target):
            return False
        self.move_to(target)
        return True

    def after_move(self, previous: S) -> None:
        """What a move sets off besides the status; nothing unless the model says so."""


#: Every model class with a status machine, in import order.
MACHINES: list[type[StatusMachine[Any]]] = []
