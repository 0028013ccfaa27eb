"""Sanctions and PEP name matching across Latin and Chinese scripts (pure; no database)."""
