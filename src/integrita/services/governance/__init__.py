"""services/governance: the group's governance and integrity registers."""
