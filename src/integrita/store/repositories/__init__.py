"""Queries and writes, one module per domain concept. They never commit: the caller's transaction does."""
