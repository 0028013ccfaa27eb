"""services/care."""
