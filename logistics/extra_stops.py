"""Work at a household besides parcels and produce, offered to planning by packages above.

``logistics`` imports nothing from ``errands``; instead ``errands`` registers a provider here
at start-up (``register``). Planning asks every provider for a village's day, joins what they
offer to the household's parcels (one stop per household, the service time added, the visit's
window kept) and writes each as a ``StopTask`` on the stop. The cadre completes a task with a
``visited`` event, and ``signals.stop_visited`` tells the provider's package.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from logistics.models import Stop, StopStatus, StopTask


@dataclass(frozen=True)
class ExtraStop:
    """One task at a household: ``reference`` (``errand:12``, ``care:7``) says whose it is."""

    household_id: int
    reference: str
    title: str
    service_s: int
    bring: str = ""
    collect: str = ""
    #: Seconds of the (local) day the household can be visited; None: any time.
    window: tuple[int, int] | None = None


Provider = Callable[[Session, int, dt.date], list[ExtraStop]]

_providers: list[Provider] = []
#: The kinds of request a household may raise at a visit, value -> name (shown on the cadre's
#: page; the value comes back in the ``visited`` event as ``raised_category``).
_request_kinds: dict[str, object] = {}


def register(provider: Provider) -> None:
    """Offer ``provider``'s tasks to planning (once, however often the app is built)."""
    if provider not in _providers:
        _providers.append(provider)


def offer_request_kinds(kinds: Mapping[str, object]) -> None:
    """The kinds of request the cadre may file for a household at a visit."""
    _request_kinds.update(kinds)


def request_kinds() -> dict[str, str]:
    return {value: str(name) for value, name in _request_kinds.items()}


def extra_stops(session: Session, *, village_id: int, day: dt.date) -> list[ExtraStop]:
    """Every provider's tasks for the village's day, less those already on a pending stop
    (a round under way carries them)."""
    offered = [extra for provider in _providers for extra in provider(session, village_id, day)]
    if not offered:
        return []
    planned = set(
        session.scalars(
            select(StopTask.reference)
            .join(Stop)
            .where(Stop.status == StopStatus.PENDING, StopTask.finished_at.is_(None))
            .where(StopTask.reference.in_([e.reference for e in offered]))
        )
    )
    return [extra for extra in offered if extra.reference not in planned]
