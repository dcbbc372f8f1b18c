"""Errors of the inventory package: one type, its codes, their HTTP status and message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l

from core.errors import CunzhanError


class InventoryError(CunzhanError):
    """Stock levels, holds and the movement ledger."""

    catalog: ClassVar[Mapping[str, tuple[int, Any]]] = {
        "village_not_found": (404, _l("村子不存在")),
        "bad_quantity": (422, _l("数量必须是 1 到 %(most)s 的整数")),
        "reason_required": (422, _l("请说明调整原因")),
        "reference_required": (422, _l("预留库存须注明单号")),
        "out_of_stock": (409, _l("库存不足：只剩 %(available)s 件，您要 %(requested)s 件")),
    }


class OutOfStock(InventoryError):
    """Fewer units are available than asked for; ``available`` says how many are left."""

    def __init__(self, *, sku: str, requested: int, available: int) -> None:
        super().__init__("out_of_stock", available=max(available, 0), requested=requested)
        self.sku = sku
        self.requested = requested
        self.available = max(available, 0)
