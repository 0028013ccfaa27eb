"""integrita: compliance and customer-protection platform for banks and financial groups."""

__version__ = "0.1.0"
