"""Sanctions and PEP screening: lists, matching, screening points and match dispositions."""
