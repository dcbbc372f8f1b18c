"""inventory package of Cunzhan (see docs/architecture.md)."""
