"""Web workbench: server-rendered pages (Jinja2 + htmx). No business rules here."""
