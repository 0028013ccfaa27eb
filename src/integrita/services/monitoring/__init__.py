"""services/monitoring."""
