"""Open the hub on its store, with a faster event insert on PostgreSQL.

`CrmHub` is the application every process opens: the CRM's commands (`domain.hub.Hub`)
and privacy's consent commands, composed here because dependencies point
`api -> privacy -> domain`. It is the same application under the same name, so it saves
every aggregate of both packages in one store with one global order.

The library's `PostgresApplicationRecorder` sends a batch of events as one array of a
composite type (`unnest(%s::stored_event_uuid[])`), which psycopg adapts as text: with
the server's parsing, 70-105 µs per event, about half the cost of a batch of interactions.
`ColumnArraysRecorder` sends the same rows as four binary arrays, one per column: 18-27 µs
per event (both measured inside the hub's batches of 1,000).

It changes that one statement and nothing around it. The library's `insert_events`
still runs it in one transaction, pipelined after the `EXCLUSIVE` table lock (waited
for at most `lock_timeout`; it makes commit order the notification-id order) and the
`NOTIFY` on the table's channel; it still raises `IntegrityError` when another writer
took a version first (the primary key), and returns the notification ids in insert
order. Tables, types and functions are created as the library creates them, in the
configured schema.
The library's other insert path, through a database function, is never on: crmhub's
store settings come only from `CRMHUB_DATABASE_URL` (see `HubCore.construct_env`), and
that path would skip the table lock.

The recorder imports psycopg, which `domain/` must not, so it lives here and reaches
the hub through the library's `APPLICATION_RECORDER_TOPIC` setting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import psycopg
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.utils import get_topic
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from domain.hub import AGGREGATES as CRM_AGGREGATES
from domain.hub import Hub
from domain.storage import postgres_conninfo, schema_changes_locked, store_settings
from partners.commands import PartnerCommands
from partners.deal_commands import DealCommands
from partners.deals import DealRegistration
from partners.offer_commands import LeadOfferCommands
from partners.offers import LeadDistribution
from partners.partner import Partner
from partners.token_commands import PartnerTokenCommands
from privacy.audiences import AudienceCommands
from privacy.audit_read_commands import AuditReadCommands
from privacy.audit_reads import AuditRead
from privacy.commands import ConsentCommands
from privacy.consent import Consent
from privacy.disclosure_commands import DisclosureCommands
from privacy.disclosures import Disclosure, NoticeAcknowledgement
from privacy.erasure import MASTER_KEY, ErasureCommands

#: Every aggregate kind the application saves, in one store with one global order.
AGGREGATES = (*CRM_AGGREGATES, Consent, Disclosure, NoticeAcknowledgement, Partner,
              DealRegistration, LeadDistribution, AuditRead)


class CrmHub(AudienceCommands, Hub, ConsentCommands, DisclosureCommands, ErasureCommands,
             PartnerCommands, DealCommands, PartnerTokenCommands, LeadOfferCommands,
             AuditReadCommands):
    """Every command of the CRM, of privacy and of partners, with personal fields stored
    encrypted per person (crypto-shredding). Open one per process with `connect_hub`.
    `AudienceCommands` comes first: its send commands check consent, then hand over to
    `Hub`'s. A partner is read on every request of its tokens and gains an event per token
    issued, so it is snapshotted too."""

    name = Hub.name
    snapshotting_intervals = {**Hub.snapshotting_intervals, Partner: 20}


class ColumnArraysRecorder(PostgresApplicationRecorder):
    """The library's application recorder, inserting events as four binary column arrays."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        # `%b`: psycopg sends each list as a binary array of the element's type (uuid,
        # int2/4/8, text, bytea); the casts make the types exact whatever psycopg picked.
        self.insert_columns_statement = SQL(
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state)"
            " SELECT * FROM unnest(%b::{originator_id_type}[], %b::bigint[], %b::text[],"
            " %b::bytea[])"
            " RETURNING notification_id"
        ).format(
            schema=Identifier(datastore.schema),
            table=Identifier(events_table_name),
            originator_id_type=Identifier(datastore.originator_id_type),
        )

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        # The library's steps in the library's order; only the insert statement differs.
        self._lock_table(curs)
        self._notify_channel(curs)
        columns = (
            [event.originator_id for event in stored_events],
            [event.originator_version for event in stored_events],
            [event.topic for event in stored_events],
            [event.state for event in stored_events],
        )
        curs.execute(self.insert_columns_statement, columns, prepare=True)


def connect_hub(database_url: str, *, master_key: bytes, pool_size: int = 5) -> CrmHub:
    """The hub on the store `database_url` names: on PostgreSQL with `ColumnArraysRecorder`,
    on SQLite with the library's own recorder; `master_key` (32 bytes, from
    `api.privacy.load_master_key`) wraps the data keys. Every process opens its hub here."""
    settings = store_settings(database_url)
    env = {MASTER_KEY: master_key.hex()}
    if settings["PERSISTENCE_MODULE"] != "eventsourcing.postgres":
        return cast(CrmHub, CrmHub.connect(database_url, pool_size=pool_size, env=env))
    # The library creates the event and snapshot tables, a type and a function in several
    # transactions: processes starting on a new database at once take turns.
    with psycopg.connect(**postgres_conninfo(settings), autocommit=True) as connection, \
            schema_changes_locked(connection, settings.get("POSTGRES_SCHEMA"), "event store"):
        return cast(CrmHub, CrmHub.connect(
            database_url, pool_size=pool_size, env=env,
            recorder_topic=get_topic(ColumnArraysRecorder)))
