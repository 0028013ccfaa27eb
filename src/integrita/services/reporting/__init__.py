"""services/reporting: reports and the annual disclosure pack, assembled from every capability."""
