"""Command-line entry points: parse, call a service, render. No business rules here."""
