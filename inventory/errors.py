"""Errors of the inventory package (domain errors: views answer them as 4xx)."""

from __future__ import annotations

from core.errors import Conflict


class OutOfStock(Conflict):
    """Fewer units are available than asked for; ``available`` says how many are left."""

    code = "out_of_stock"

    def __init__(self, *, sku: str, requested: int, available: int) -> None:
        super().__init__(
            f"库存不足：只剩 {max(available, 0)} 件，您要 {requested} 件 "
            f"(out of stock: {max(available, 0)} left, {requested} requested)"
        )
        self.sku = sku
        self.requested = requested
        self.available = max(available, 0)
