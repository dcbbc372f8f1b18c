"""Imports every package's models so that ``metadata`` knows every table (Alembic, tests)."""

from __future__ import annotations

import core.idempotency
import core.models  # registers the tables (as every import below)
import core.notices.models  # noqa: F401
import inventory.models  # noqa: F401
import ledger.integrity
import ledger.models  # noqa: F401
import logistics.models  # noqa: F401
import payments.models  # noqa: F401
import shop.buyers.models
import shop.catalog.models
import shop.groupbuys.models
import shop.orders.models
import shop.shipping.claims
import shop.shipping.models  # noqa: F401
from core.db import Base

metadata = Base.metadata
