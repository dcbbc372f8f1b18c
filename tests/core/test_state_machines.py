"""Every status machine, every pair of statuses: ``move_to`` does exactly what its table says.

The records are transient (no database): the test is about the tables and the one
``move_to``; what a move sets off (signals, the storefront cache, the outbound history) is
switched off here and covered by each package's own tests.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Enum as SqlEnum

import errands.models
import shop.models_registry  # every package's models: each machine registers on import
from core.db import Base
from core.errors import CoreError
from core.statemachine import MACHINES, StatusMachine
from logistics.models import OutboundEvent

#: Records with a status column that are not machines: a history row keeps the status it
#: recorded and never moves.
NOT_MACHINES = {OutboundEvent}
#: The machines every package declares; a new one is added here on purpose.
EXPECTED = {
    "Claim",
    "DepotBatch",
    "ErrandRequest",
    "GroupBuy",
    "Order",
    "OutboundParcel",
    "Parcel",
    "Payment",
    "PlanRun",
    "Pledge",
    "Product",
    "Reservation",
    "Round",
    "SmsMessage",
    "Stop",
    "Uplink",
}

assert errands.models and shop.models_registry  # imported for their registrations


def _pairs() -> list[tuple[type[StatusMachine[Any]], Any, Any]]:
    return [
        (machine, current, target)
        for machine in MACHINES
        for current in machine.transitions.states
        for target in machine.transitions.states
    ]


def _name(value: Any) -> str:
    return value.__name__ if isinstance(value, type) else str(value)


def test_every_model_with_a_status_is_a_registered_machine() -> None:
    with_status = {
        mapper.class_
        for mapper in Base.registry.mappers
        if "status" in mapper.columns and isinstance(mapper.columns["status"].type, SqlEnum)
    }
    assert with_status - NOT_MACHINES == set(MACHINES)
    assert {machine.__name__ for machine in MACHINES} == EXPECTED


@pytest.mark.parametrize(("machine", "current", "target"), _pairs(), ids=_name)
def test_move_to_succeeds_exactly_when_the_table_allows_it(
    monkeypatch: pytest.MonkeyPatch,
    machine: type[StatusMachine[Any]],
    current: Any,
    target: Any,
) -> None:
    monkeypatch.setattr(machine, "after_move", StatusMachine.after_move)
    record = machine()
    record.status = current
    if machine.transitions.can(current, target):
        record.move_to(target)
        assert record.status == target
        record.status = current
        assert record.advance_to(target) is True
        assert record.status == target
    else:
        with pytest.raises(CoreError) as refused:
            record.move_to(target)
        assert refused.value.code == "invalid_transition"
        assert refused.value.status == 409
        assert record.status == current
        assert record.advance_to(target) is False
        assert record.status == current


@pytest.mark.parametrize("machine", MACHINES, ids=_name)
def test_every_status_is_reachable_from_where_records_start(
    machine: type[StatusMachine[Any]],
) -> None:
    table = machine.transitions
    assert table.initial <= table.states
    assert table.reachable() == table.states


@pytest.mark.parametrize("machine", MACHINES, ids=_name)
def test_the_table_names_only_its_own_statuses(machine: type[StatusMachine[Any]]) -> None:
    table = machine.transitions
    for current in table.states:
        assert table.targets(current) <= table.states
