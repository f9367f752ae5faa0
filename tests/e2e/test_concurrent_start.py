"""Processes starting together on a new database and data directory (`serve` beside
`project` workers) each create the tables and secrets they need: they take turns, none of
them fails, and they agree on one signing key."""

from __future__ import annotations

import stat
import threading
from concurrent.futures import ThreadPoolExecutor

from api.ledger import ledger_runner
from api.privacy import load_master_key
from api.settings import Settings
from api.store import connect_hub
from api.token_store import attach_tokens
from api.tokens import TokenService
from projections.catalog import all_views
from projections.database import ViewDatabase
from projections.runner import ProjectionRunner


def test_processes_starting_at_once_on_a_new_database_all_start(database_url, tmp_path):
    starters = 4
    barrier = threading.Barrier(starters)
    settings = Settings(data_dir=tmp_path / "data", master_key=None)  # the starters make the keys

    def start() -> tuple[int, str]:
        """What `crmhub project` does before it takes its views, every step at once."""
        try:
            barrier.wait()
            hub = connect_hub(database_url, master_key=load_master_key(settings))
            views = ViewDatabase.connect(database_url)
            try:
                tokens = TokenService(settings)
                barrier.wait()
                attach_tokens(tokens, hub)
                runner = ProjectionRunner(hub, views, all_views())
                barrier.wait()
                runner.setup()
                ledger = ledger_runner(hub, views, settings, tokens)
                barrier.wait()
                ledger.setup()
                return min(runner.position, ledger.position), tokens.signing_key().kid
            finally:
                views.close()
                hub.close()
        except BaseException:
            barrier.abort()  # the others stop waiting for this one
            raise

    with ThreadPoolExecutor(starters) as pool:
        started = list(pool.map(lambda _: start(), range(starters)))

    positions, kids = zip(*started, strict=True)
    assert positions == (0,) * starters
    assert len(set(kids)) == 1, "each starter generated a signing key of its own"
    secrets = sorted(path.name for path in settings.data_dir.iterdir())
    assert secrets == ["master-key.hex", "signing-key.pem"]  # and no drafts left behind
    for name in secrets:
        assert stat.S_IMODE((settings.data_dir / name).stat().st_mode) == 0o600
