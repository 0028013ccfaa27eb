"""Shared fixtures: a fresh operational database on SQLite and on PostgreSQL for every store test.

PostgreSQL is expected at 127.0.0.1:5432 (trust auth, database ``test``). On a
machine without it the PostgreSQL half of each test is skipped with a loud
reason; under ``CI=true`` a missing server is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from integrita.services.core.context import Context
from integrita.settings import Settings
from integrita.store import Database

PG_ADMIN_URL = os.environ.get(
    "INTEGRITA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"


#: Test files that take longest (seconds per file, both databases, measured under load on the
#: 2-core CI machine). They are collected first so that xdist (``--dist loadfile
#: --no-loadscope-reorder``) starts them first: a long file that starts last runs alone at the
#: end while the other worker idles. Longest first; the rest keep their usual order.
LONGEST_FIRST = (
    "tests/detection/test_spark_cluster.py",  # one test starting a local Spark cluster
    "tests/api/test_schemathesis.py",  # every API operation fuzzed on two databases
    "tests/detection/test_engine_parity.py",  # every detector and graph feature on Spark
    "tests/overview/test_overview.py",
    "tests/governance/test_browser_governance.py",
    "tests/workflows/test_assessment_workflow.py",
    "tests/security/test_sessions.py",
    "tests/reporting/test_annual_pages.py",
    "tests/api/test_strict_boundary.py",
    "tests/realtime/test_crash.py",
    "tests/web/test_risk_pages.py",
    "tests/care/test_care_defects.py",
    "tests/realtime/test_several_workers.py",
    "tests/realtime/test_api.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Move the files of :data:`LONGEST_FIRST` to the front, in that order (a stable sort, so
    the tests within a file and all other files keep their order)."""
    rank = {path: n for n, path in enumerate(LONGEST_FIRST)}
    root = Path(str(config.rootpath))

    def position(item: pytest.Item) -> int:
        try:
            relative = item.path.relative_to(root).as_posix()
        except ValueError:
            return len(rank)
        return rank.get(relative, len(rank))

    items.sort(key=position)


def require(condition: bool, reason: str) -> None:
    """Skip loudly on a developer's machine; fail under CI=true."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(f"SKIPPED LOUDLY: {reason}")


def _pg_reachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(
            PG_ADMIN_URL.replace("postgresql+psycopg", "postgresql"), connect_timeout=3
        ):
            return None
    except Exception as exc:
        return f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({exc.__class__.__name__}: {exc})"


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test session, migrated once."""
    problem = _pg_reachable()
    require(problem is None, problem or "")
    import psycopg

    name = f"integrita_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = PG_ADMIN_URL.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    db = Database(url)
    db.upgrade()
    db.dispose()
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()
    return path


def _truncate_all(db: Database) -> None:
    from sqlalchemy import text

    tables = [t for t in db.table_names() if t != "alembic_version"]
    with db.engine.begin() as conn:
        conn.execute(
            text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated operational database on the backend under test."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "integrita.db"
        shutil.copy(template, path)
        db = Database(f"sqlite:///{path}")
    else:
        url: str = request.getfixturevalue("pg_database_url")
        db = Database(url)
        _truncate_all(db)
    yield db
    db.dispose()


class FixedClock:
    """A clock tests can move."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 3, 3, 9, 0, tzinfo=UTC))


@pytest.fixture
def ctx(database: Database, tmp_path: Path, clock: FixedClock) -> Context:
    """A service context on the backend under test, with its own data directory and a fixed clock."""
    settings = Settings(data_dir=tmp_path / "var", database_url=database.url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Context(settings=settings, db=database, clock=clock)


# -- live server and browser (Playwright driving Debian's Chromium) ---------------------------------

CHROMIUM = os.environ.get("INTEGRITA_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


class LiveServer:
    """The whole application served by uvicorn on a free loopback port, in a thread."""

    def __init__(self, ctx: Context) -> None:
        from integrita.api.app import serve_in_background

        self._serving = serve_in_background(ctx, start_timeout=15)
        self.url = self._serving.__enter__()

    def stop(self) -> None:
        self._serving.__exit__(None, None, None)


@pytest.fixture
def live_server(ctx: Context) -> Iterator[LiveServer]:
    server = LiveServer(ctx)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A headless Chromium shared by the session's browser tests (Debian's package, not a download)."""
    require(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - dev extra missing
        require(False, "playwright is not installed")
        raise
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


def screenshot(page: object, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ (kept as a test artefact)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def console_errors(page: object) -> list[str]:
    """Collect JavaScript console errors on a page; assert the list is empty at the end of a test."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: errors.append(str(exc)))  # type: ignore[attr-defined]
    return errors


# -- signed-in clients of the whole application ------------------------------------------------

PASSWORD = "a long test password"


@pytest.fixture
def client(ctx: Context) -> TestClient:
    from integrita.api.app import create_app

    return TestClient(create_app(ctx))


@pytest.fixture(autouse=True)
def cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its production cost takes ~0.5 s per hash on the CI machine and every user made
    and every sign-in hashes once, so tests use the cheapest parameters; the hashes are still
    argon2id and verified the same way. A test marked ``real_password_hashing`` (one about the
    time a sign-in takes) keeps the production parameters. Either way the unknown user's dummy
    hash is made afresh, with the parameters the test's own users get."""
    from argon2 import PasswordHasher

    from integrita.services.core import auth, users

    monkeypatch.setattr(auth, "_dummy_hash", [])
    if request.node.get_closest_marker("real_password_hashing") is None:
        monkeypatch.setattr(
            users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )


@pytest.fixture(autouse=True)
def no_cli_sign_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test signs the command line in by accident: its token file lives in the test's tmp."""
    monkeypatch.setenv("INTEGRITA_CONFIG_DIR", str(tmp_path / "integrita-config"))
    monkeypatch.delenv("INTEGRITA_TOKEN", raising=False)


def sign_in_cli(ctx: Context, monkeypatch: pytest.MonkeyPatch, username: str, *roles: str) -> str:
    """Create a user with ``roles`` and make the command line act as them (INTEGRITA_TOKEN)."""
    from integrita.services.core import users

    users.add_user(ctx, username, username.title(), None, roles)
    token = users.issue_token(ctx, username, "cli test")
    monkeypatch.setenv("INTEGRITA_TOKEN", token)
    return token


@pytest.fixture
def make_user(ctx: Context) -> Callable[..., str]:
    """Create a user with roles and return an API token for them."""
    from integrita.services.core import users

    def factory(username: str, *roles: str) -> str:
        users.add_user(ctx, username, username.title(), PASSWORD, roles)
        return users.issue_token(ctx, username, "test")

    return factory


def send_csrf_token(client: TestClient) -> str:
    """After signing in, read the session's CSRF token from a page (as htmx does) and send it
    with every later request of this client, as the pages do."""
    import re

    page = client.get("/", headers={"accept": "text/html"})
    match = re.search(r'"X-CSRF-Token": "([^"]+)"', page.text)
    assert match is not None, "a signed-in page carries its session's CSRF token"
    client.headers["x-csrf-token"] = match.group(1)
    return match.group(1)
