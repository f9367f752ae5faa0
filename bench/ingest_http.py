"""The HTTP side of the ingest benchmark: the real app served by uvicorn, and GraphQL requests.

Used by `bench.ingest`'s HTTP rows (which stay registered there, in print order).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from time import sleep
from typing import IO

import httpx

from api.settings import Settings
from api.tokens import TokenService
from bench._common import MASTER_KEY
from domain.interactions import InteractionDraft

RECORD_ONE = "mutation ($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }"
RECORD_MANY = ("mutation ($input: RecordInteractionsInput!) "
               "{ recordInteractions(input: $input) { count } }")


def interaction_input(draft: InteractionDraft) -> dict[str, object]:
    return {"customerId": str(draft.customer_id), "channel": draft.channel.upper(),
            "direction": draft.direction.upper(), "department": draft.department.upper(),
            "subject": draft.subject, "summary": draft.summary, "handledBy": draft.handled_by,
            "durationSeconds": draft.duration_seconds}


@contextmanager
def served(url: str) -> Iterator[httpx.Client]:
    """A keep-alive client, holding an admin token, of the real app served by uvicorn on
    `url`'s store; the server is stopped (and its hub closed) on the way out."""
    with tempfile.TemporaryDirectory(prefix="crmhub-bench-") as data_dir, \
            tempfile.TemporaryFile() as server_log:
        # Issuing the token first writes the signing key the server will load.
        token = TokenService(Settings(database_url=url, data_dir=Path(data_dir))).issue(
            subject="bench-admin", role="admin", ttl=3600)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"],
            env={**os.environ, "CRMHUB_DATABASE_URL": url, "CRMHUB_DATA_DIR": data_dir,
                 "CRMHUB_MASTER_KEY": MASTER_KEY.hex()},
            stdout=server_log, stderr=subprocess.STDOUT,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60,
                              headers={"Authorization": f"Bearer {token}",
                                       "Content-Type": "application/json"}) as client:
                wait_until_ready(client, server, server_log)
                yield client
        finally:
            server.terminate()
            server.wait(timeout=30)


def wait_until_ready(client: httpx.Client, server: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            break
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        sleep(0.1)
    server.kill()
    log.seek(0)
    raise RuntimeError(f"the server did not start:\n{log.read().decode()}")


def post(client: httpx.Client, body: bytes) -> None:
    """One GraphQL request; any error stops the run rather than being measured."""
    response = client.post("/graphql", content=body)
    errors = response.json().get("errors") if response.status_code == 200 else response.text
    if errors:
        raise RuntimeError(f"GraphQL request failed ({response.status_code}): {errors}")

