"""The engine: pure, knowing no external system (go-live table, plan value, readiness)."""
