"""HTTP API (FastAPI). No business rules here."""
