"""The state machines: the allowed moves are exactly the design's arrows; every other is refused."""

from __future__ import annotations

from enum import StrEnum
from itertools import product

import pytest

from core.errors import CoreError
from core.statemachine import TransitionTable
from logistics.models import (
    BATCH_TRANSITIONS,
    PARCEL_TRANSITIONS,
    PLAN_TRANSITIONS,
    ROUND_TRANSITIONS,
    STOP_TRANSITIONS,
    UPLINK_TRANSITIONS,
    BatchStatus,
    ParcelStatus,
    PlanStatus,
    RoundStatus,
    StopStatus,
    UplinkStatus,
)

P, R, S = ParcelStatus, RoundStatus, StopStatus
# Written out again here, independently of the models, from DESIGN.md's arrows plus the moves
# the depot needs (a failed or re-planned parcel goes back on the shelf).
EXPECTED: list[tuple[TransitionTable, type[StrEnum], set[tuple[StrEnum, StrEnum]]]] = [  # type: ignore[type-arg]
    (
        PARCEL_TRANSITIONS,
        ParcelStatus,
        {
            (P.ANNOUNCED, P.AT_TOWNSHIP_HUB),
            (P.AT_TOWNSHIP_HUB, P.AT_VILLAGE_DEPOT),
            (P.AT_TOWNSHIP_HUB, P.RETURNED),
            (P.AT_VILLAGE_DEPOT, P.OUT_FOR_DELIVERY),
            (P.AT_VILLAGE_DEPOT, P.PICKED_UP),
            (P.AT_VILLAGE_DEPOT, P.RETURNED),
            (P.OUT_FOR_DELIVERY, P.DELIVERED),
            (P.OUT_FOR_DELIVERY, P.FAILED),
            (P.OUT_FOR_DELIVERY, P.AT_VILLAGE_DEPOT),
            (P.FAILED, P.AT_VILLAGE_DEPOT),
            (P.FAILED, P.RETURNED),
        },
    ),
    (
        ROUND_TRANSITIONS,
        RoundStatus,
        {(R.PLANNED, R.STARTED), (R.PLANNED, R.CANCELLED), (R.STARTED, R.COMPLETED)},
    ),
    (
        STOP_TRANSITIONS,
        StopStatus,
        {(S.PENDING, S.DELIVERED), (S.PENDING, S.FAILED), (S.PENDING, S.SKIPPED)},
    ),
    (BATCH_TRANSITIONS, BatchStatus, {(BatchStatus.IN_TRANSIT, BatchStatus.RECEIVED)}),
    (UPLINK_TRANSITIONS, UplinkStatus, {(UplinkStatus.WAITING, UplinkStatus.COLLECTED)}),
    (
        PLAN_TRANSITIONS,
        PlanStatus,
        {
            (PlanStatus.QUEUED, PlanStatus.RUNNING),
            (PlanStatus.QUEUED, PlanStatus.DONE),
            (PlanStatus.QUEUED, PlanStatus.FAILED),
            (PlanStatus.RUNNING, PlanStatus.DONE),
            (PlanStatus.RUNNING, PlanStatus.FAILED),
        },
    ),
]
CASES = [
    pytest.param(table, current, target, (current, target) in allowed, id=f"{current}->{target}")
    for table, states, allowed in EXPECTED
    for current, target in product(list(states), repeat=2)
]


@pytest.mark.parametrize(("table", "current", "target", "allowed"), CASES)
def test_every_move_is_allowed_or_refused_as_designed(
    table: TransitionTable[StrEnum],
    current: StrEnum,
    target: StrEnum,
    allowed: bool,
) -> None:
    assert table.can(current, target) is allowed
    if allowed:
        table.check(current, target)
    else:
        with pytest.raises(CoreError, match="不能改为"):
            table.check(current, target)


def test_delivered_and_picked_up_are_final() -> None:
    for final in (P.DELIVERED, P.PICKED_UP, P.RETURNED):
        assert PARCEL_TRANSITIONS.targets(final) == frozenset()
    assert STOP_TRANSITIONS.targets(S.DELIVERED) == frozenset()
