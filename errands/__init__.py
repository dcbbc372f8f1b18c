"""Errands and care visits (代办 and 走访): villagers ask, the grid's member answers within a
time limit, the station keeps the ledger (docs/errands.md)."""
