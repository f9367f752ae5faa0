"""One suite, two databases: `CRMHUB_DATABASE_URL` picks the store under test.

`sqlite:` (the default) gives every test a fresh SQLite file; `postgresql://...` gives
every test a fresh schema in that database, dropped afterwards. An unreachable
PostgreSQL fails the run: these tests never skip silently.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from api.store import connect_hub
from domain.hub import Hub
from projections.database import ViewDatabase
from tests.stories import TEST_MASTER_KEY

#: The features' shared fixtures (a customer, a case, a campaign, a purchase, ...).
pytest_plugins = [
    "tests.unit.lead_offer_stories",
    "tests.unit.marketing_stories",
    "tests.unit.orders_stories",
    "tests.unit.service_stories",
    "tests.unit.service_view_stories",
]

BASE_URL = os.environ.get("CRMHUB_DATABASE_URL", "sqlite:")
# The CLI commands and worker processes the tests start open the hub with this key too.
os.environ["CRMHUB_MASTER_KEY"] = TEST_MASTER_KEY.hex()
# No lead offer sweeper nor replay checkpoint keeper in the background of a test unless it
# asks for one.
os.environ.setdefault("CRMHUB_LEAD_OFFER_SWEEP", "0")
os.environ.setdefault("CRMHUB_REPLAY_CHECKPOINT_SWEEP", "0")


def pytest_report_header() -> str:
    return f"crmhub store under test: {BASE_URL.split('@')[-1]}"


def _postgres_admin_dsn(url: str) -> str:
    parts = urlsplit(url)
    return (f"host={parts.hostname or '127.0.0.1'} port={parts.port or 5432} "
            f"user={parts.username or 'postgres'} dbname={parts.path.lstrip('/')}"
            + (f" password={parts.password}" if parts.password else ""))


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A URL naming an empty store of the kind under test."""
    if BASE_URL.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'crmhub.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    dsn = _postgres_admin_dsn(BASE_URL)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{BASE_URL.split('?')[0]}?schema={schema}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def views(database_url: str) -> Iterator[ViewDatabase]:
    """The read models' database, beside the store under test."""
    database = ViewDatabase.connect(database_url)
    yield database
    database.close()


@pytest.fixture
def hub(database_url: str) -> Iterator[Hub]:
    app = connect_hub(database_url, master_key=TEST_MASTER_KEY)
    try:
        yield app
    finally:
        app.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """On PostgreSQL a skipped test is a failure: that run must prove every test there."""
    if BASE_URL.startswith("sqlite"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter:
            reporter.write_line(f"{skipped} test(s) skipped on PostgreSQL: that is a failure",
                                red=True)
