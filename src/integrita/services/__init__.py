"""Use cases. Each owns its database transaction and writes its audit events inside it."""
