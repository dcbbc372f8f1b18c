"""The sellers' money: a double-entry ledger between payments and shop (see docs/ledger.md)."""
