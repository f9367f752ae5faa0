"""Crypto-shredding in the hub: personal fields stored encrypted per person, and erasure.

`ErasureCommands` is a mixin of the one hub application (composed in `api/store.py`,
since `domain` does not import `privacy`). It gives the hub the `PersonalDataMapper`,
with the data keys kept beside the events, and the `erase_customer` command.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import EnvType

from domain.core import HubCore, command, parse_id
from domain.customers import Customer
from privacy.keys import SubjectKeys
from privacy.mapper import PersonalDataMapper

#: The hub's environment key for the master key (32 bytes as hex), set by `connect_hub`.
MASTER_KEY = "CRMHUB_MASTER_KEY_BYTES"


class ErasureCommands(HubCore):
    def __init__(self, env: EnvType | None = None) -> None:
        super().__init__(env)
        datastore = self.recorder.datastore  # type: ignore[attr-defined]
        self.subject_keys.attach(datastore, postgres=self.on_postgres,
                                 schema=self.env.get("POSTGRES_SCHEMA") or None)

    def construct_mapper(self) -> Mapper[UUID]:
        master = self.env.get(MASTER_KEY)
        if not master:
            raise ValueError("the hub needs a master key to encrypt personal data")
        return PersonalDataMapper(self.construct_transcoder(),
                                  SubjectKeys(bytes.fromhex(master)))

    def decode(self, stored_events: Sequence[StoredEvent]) -> list[DomainEventProtocol[UUID]]:
        """A page decoded with one read of its subjects' keys, not one per subject."""
        assert isinstance(self.mapper, PersonalDataMapper)
        return self.mapper.to_domain_events(stored_events)

    def seal(self, data: bytes, *, subjects: Iterable[UUID], binding: bytes,
             ) -> tuple[bytes, list[UUID]] | None:
        return self.subject_keys.seal(data, subjects, binding)

    def unseal(self, sealed: bytes, *, subjects: Iterable[UUID], binding: bytes) -> bytes | None:
        return self.subject_keys.open(sealed, subjects, binding)

    @property
    def subject_keys(self) -> SubjectKeys:
        assert isinstance(self.mapper, PersonalDataMapper)
        return self.mapper.keys

    @command
    def erase_customer(self, *, actor: str, customer_id: UUID | str,
                       expected_version: int | None = None) -> int:
        """Erase a customer's personal data everywhere; return the erasure's log position.

        Deletes the data keys of the customer and of the lead they were converted from,
        then records `Customer.Erased` (no personal data in it): every event and snapshot
        that held their personal data stays in the log, unreadable. Views drop or blank
        their copies when they apply the event. Erasing twice is a conflict.

        Keys go first: if the process dies in between, the data is already unreadable and
        running the command again records the event."""
        customer = self.load(Customer, parse_id(customer_id, "customerId"),
                             expected_version=expected_version)
        customer.erase()  # every check passes before anything is deleted
        self.subject_keys.erase(customer.data_subjects())
        position = self.commit(customer)
        known: set[UUID] = self.__dict__.get("_known_customers", set())
        known.discard(customer.id)
        return position
