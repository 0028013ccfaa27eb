"""services/casework."""
