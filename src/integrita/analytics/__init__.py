"""The only package that imports the query engines (DuckDB, PySpark, Ibis)."""
