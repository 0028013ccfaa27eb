"""One local Spark session for the whole test session (Spark starts slowly)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import require


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    require(shutil.which("java") is not None, "Java is needed for the Spark engine")
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the machine
        require(False, f"PySpark is not installed ({exc})")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from integrita.analytics.engine import spark_session

    session = spark_session("local[2]", shuffle_partitions=1, app_name="integrita-tests")
    yield session
    session.stop()
