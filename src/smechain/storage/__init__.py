"""Block and state stores: SQLite (embedded default), memory (tests, verify)."""
