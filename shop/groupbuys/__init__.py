"""Group-buys (团购) of fertiliser and other supplies, run by the village station."""
