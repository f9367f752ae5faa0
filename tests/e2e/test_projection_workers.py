"""`crmhub project` and `crmhub rebuild`: workers that can be killed, views that come back equal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from api.store import connect_hub
from domain.interactions import InteractionDraft
from domain.orders import Purchase
from projections.customers import CustomerView
from projections.database import ViewDatabase
from projections.failures import view_failures
from projections.runner import view_positions
from tests.stories import TEST_MASTER_KEY, tables

cli = CliRunner()


def a_busy_store(database_url: str) -> int:
    hub = connect_hub(database_url, master_key=TEST_MASTER_KEY)
    try:
        for n in range(30):
            customer = hub.register_customer(actor="seed", kind="person",
                                             profile={"given_name": f"C{n}", "family_name": "X"})
            hub.record_interactions(actor="seed", drafts=[InteractionDraft(
                customer_id=customer, channel="web", direction="inbound", department="marketing",
                subject=f"visit {k}") for k in range(60)])
        return hub.position()
    finally:
        hub.close()


def view_tables(database_url: str) -> dict[str, list]:
    views = ViewDatabase.connect(database_url)
    try:
        return tables(views, CustomerView.tables)
    finally:
        views.close()


def test_a_worker_killed_mid_catch_up_resumes_without_loss_or_double_count(database_url, tmp_path):
    total = a_busy_store(database_url)
    env = {**os.environ, "CRMHUB_DATABASE_URL": database_url,
           "CRMHUB_DATA_DIR": str(tmp_path / "data")}
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", "from api.cli import main; main()", "project", "--page-size", "20"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        cwd=Path(__file__).parents[2])
    views = ViewDatabase.connect(database_url)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            position = view_positions(views).get("customers", 0) if _has_positions(views) else 0
            if 0 < position < total:
                break
            time.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        assert 0 < position < total, "the worker was not caught in the middle"
    finally:
        views.close()
        if worker.poll() is None:
            worker.kill()

    resumed = cli.invoke(app, ["project", "--once"], env=env)
    assert resumed.exit_code == 0, resumed.output
    incremental = view_tables(database_url)
    rebuilt = cli.invoke(app, ["rebuild", "--view", "customers"], env=env)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert view_tables(database_url) == incremental
    assert len(incremental["view_timeline"]) == 30 * 60


def _has_positions(views: ViewDatabase) -> bool:
    try:
        view_positions(views)
    except Exception:  # noqa: BLE001 - the worker has not created the table yet
        return False
    return True


def test_rebuild_and_project_refuse_an_unknown_view(database_url, tmp_path):
    env = {"CRMHUB_DATABASE_URL": database_url, "CRMHUB_DATA_DIR": str(tmp_path)}
    for command in (["rebuild", "--view", "nope"], ["project", "--once", "--view", "nope"]):
        result = cli.invoke(app, command, env=env)
        assert result.exit_code == 2
        assert "unknown view(s) nope" in result.output


def test_a_second_worker_waits_and_takes_over_when_the_first_dies(database_url, tmp_path):
    a_busy_store(database_url)
    env = {**os.environ, "CRMHUB_DATABASE_URL": database_url,
           "CRMHUB_DATA_DIR": str(tmp_path / "data")}

    def worker(name: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = tmp_path / f"{name}.log"
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", "from api.cli import main; main()", "project"],
            env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"),
            cwd=Path(__file__).parents[2])
        return process, log

    def until(condition, what: str) -> None:
        deadline = time.monotonic() + 60
        while not condition():
            logs = "".join(f"\n-- worker {log.stem}:\n{log.read_text()}" for _, log in workers)
            assert time.monotonic() < deadline, what + logs
            time.sleep(0.05)

    workers = [worker("one"), worker("two")]
    try:
        def running() -> list[int]:
            return [n for n, (_, log) in enumerate(workers) if "projecting" in log.read_text()]

        until(lambda: running() and all("waiting" in log.read_text() for _, log in workers),
              "the workers never started")
        time.sleep(1)
        (holder,) = running()  # exactly one runs the views; the other waits
        waiter = 1 - holder

        workers[holder][0].send_signal(signal.SIGKILL)
        workers[holder][0].wait(timeout=10)
        until(lambda: waiter in running(), "the waiting worker never took over")
        head = a_busy_store(database_url)
        views = ViewDatabase.connect(database_url)
        try:
            until(lambda: min(view_positions(views).values()) >= head,
                  "the second worker did not keep the views current")
        finally:
            views.close()
    finally:
        for process, _ in workers:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)


def test_a_view_that_cannot_apply_the_log_stops_alone_and_the_commands_say_where(
        database_url, tmp_path, monkeypatch):
    hub = connect_hub(database_url, master_key=TEST_MASTER_KEY)
    try:
        ada = hub.register_customer(actor="seed", kind="person",
                                    profile={"given_name": "Ada", "family_name": "Lovelace"})
        hub.record_purchase(actor="seed", customer_id=ada, channel="web", lines=[
            {"sku": "A", "product_name": "A", "quantity": 1, "unit_price": "10.00",
             "currency": "EUR"}])
        total = hub.position()
    finally:
        hub.close()

    def broken(view: object, tx: object, event: object) -> None:
        raise RuntimeError("the revenue table is gone")

    monkeypatch.setitem(CustomerView._handlers, Purchase.Recorded, broken)
    env = {**os.environ, "CRMHUB_DATABASE_URL": database_url,
           "CRMHUB_DATA_DIR": str(tmp_path / "data")}
    views = ViewDatabase.connect(database_url)
    try:
        for command in (["project", "--once", "--page-size", "1"], ["rebuild"]):
            result = cli.invoke(app, command, env=env)
            assert result.exit_code == 1, result.output
            said = " ".join(result.output.split())
            assert "view customers stopped at position" in said
            assert "(the others went on): RuntimeError: the revenue table is gone" in said
            positions = view_positions(views)
            assert positions.pop("customers") < total
            assert set(positions.values()) == {total}  # every other view went on
            assert view_failures(views)["customers"].error == \
                "RuntimeError: the revenue table is gone"

        monkeypatch.undo()  # the view is fixed: the next run clears the failure
        result = cli.invoke(app, ["project", "--once"], env=env)
        assert result.exit_code == 0, result.output
        assert view_positions(views)["customers"] == total
        assert view_failures(views) == {}
        assert tables(views, ["view_customer_revenue"])["view_customer_revenue"] == [
            {"customer_id": str(ada), "currency": "EUR", "revenue_cents": 1000}]
    finally:
        views.close()
