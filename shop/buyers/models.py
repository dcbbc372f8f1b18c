"""A buyer's address book: where shipped orders go (any account may keep one: a villager
sends produce to relatives in the city)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.timeutil import utcnow
from shop.buyers.divisions import District, district


class Address(Base):
    __tablename__ = "ship_address"
    __table_args__ = (
        CheckConstraint("length(division_code) = 6", name="division_code_length"),
        CheckConstraint("length(phone) = 11", name="phone_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    recipient: Mapped[str] = mapped_column(String(30))
    phone: Mapped[str] = mapped_column(String(11))
    # The six-digit GB/T 2260 code of the district (区/县).
    division_code: Mapped[str] = mapped_column(String(6))
    street: Mapped[str] = mapped_column(String(120))
    # A removed address stays for the orders that shipped to it.
    removed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def district(self) -> District:
        found = district(self.division_code)
        assert found is not None, "addresses are checked against the divisions when saved"
        return found

    @property
    def province_code(self) -> str:
        return self.district.province_code

    @property
    def full(self) -> str:
        """「广东省 深圳市 南山区 科技园路 1 号」 as a label prints it."""
        return f"{self.district.place} {self.street}"
