"""logistics package of Cunzhan (see docs/architecture.md)."""
