"""The mapper that encrypts personal fields with their subject's own key (crypto-shredding).

`domain/personal_data.py` says which fields of which event (and of which aggregate's
snapshot) are personal data, and whose. Before an event is stored, those fields leave
its state and travel in one envelope, `_personal`:

    {"subject": "<uuid>", "kinds": {"given_name": "s", "emails": "l", ...},
     "data": "<base64 of nonce + AES-GCM ciphertext>"}

The ciphertext is the transcoded field values, bound (as associated data) to the
event's aggregate id and version, so an envelope cannot be moved to another event. The
subject id and the kinds stay in clear: they are not personal data, and the kinds let an
erased event keep the shape its readers expect ("" for text, [] for lists, None else).
Empty fields (None, "", []) are not encrypted: there is nothing to hide, and an erased
person's later snapshots need no key.

After the subject's key is erased the envelope cannot be opened: the event comes back
with its personal fields blanked instead of failing, so
replays, rebuilds and the projection runner keep working. Everything else in the event
(ids, amounts, stages, channels, times) was never encrypted, so metrics survive.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol, Snapshot
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import resolve_topic

from domain.personal_data import ERASURE_EVENTS, PERSONAL_DATA, PERSONAL_STATE, PersonalFields
from privacy.keys import NONCE_BYTES, SubjectKeys

ENVELOPE = "_personal"
_ERASED_VALUE = {"s": "", "l": []}


class PersonalDataMapper(Mapper[UUID]):
    def __init__(self, transcoder: Transcoder, keys: SubjectKeys) -> None:
        super().__init__(transcoder=transcoder)
        self.keys = keys

    # -- storing ------------------------------------------------------------------------------

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        if isinstance(domain_event, Snapshot):
            marked = PERSONAL_STATE.get(resolve_topic(domain_event.topic))
            if marked is not None:
                state = dict(domain_event.state)
                self._seal(state, marked, domain_event)
                domain_event = _with_state(domain_event, {**vars(domain_event), "state": state})
            return super().to_stored_event(domain_event)
        marked = PERSONAL_DATA.get(type(domain_event))
        if marked is None:
            return super().to_stored_event(domain_event)
        state = dict(vars(domain_event))
        self._seal(state, marked, domain_event)
        return super().to_stored_event(_with_state(domain_event, state))

    def _seal(self, state: dict[str, Any], marked: PersonalFields, event: Any) -> None:
        """Move the personal fields of `state` into an encrypted envelope (in place)."""
        values = {name: state.pop(name) for name in marked.fields if state.get(name)}
        if not values:  # nothing to hide (also what an erased customer's snapshot holds)
            return
        subject = _subject(state, marked, event)
        key = self.keys.key_for_writing(subject)
        nonce = os.urandom(NONCE_BYTES)
        sealed = _cipher(key).encrypt(nonce, self.transcoder.encode(values), _binding(event))
        state[ENVELOPE] = {"subject": str(subject),
                           "kinds": {name: _kind(value) for name, value in values.items()},
                           "data": base64.b64encode(nonce + sealed).decode()}

    # -- reading ------------------------------------------------------------------------------

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        return self.to_domain_events([stored_event])[0]

    def to_domain_events(self, stored_events: Sequence[StoredEvent]) -> list[DomainEventProtocol[UUID]]:
        """Decode a page of stored events, reading the keys of all its subjects at once
        (a read per person costs more than decoding their events)."""
        decode = super().to_domain_event
        events = [decode(stored) for stored in stored_events]
        sealed = [(event, _sealed_state(event)) for event in events]
        subjects = {state[ENVELOPE]["subject"] for _, state in sealed if state is not None}
        self.keys.preload(map(_subject_id, subjects))
        for event, state in sealed:
            if state is not None:
                self._open(state, event)
                if isinstance(event, Snapshot):
                    object.__setattr__(event, "state", state)
            if type(event) in ERASURE_EVENTS:
                # Subjects erased, maybe by another process: drop any cached key of theirs.
                for subject in getattr(event, "erased_subjects", ()):
                    self.keys.forget(subject)
        return events

    def _open(self, state: dict[str, Any], event: Any) -> None:
        """Put the envelope's fields back into `state`, or blank them if erased."""
        envelope = state.pop(ENVELOPE)
        subject = _subject_id(envelope["subject"])
        key = self.keys.key(subject)
        if key is not None:
            data = base64.b64decode(envelope["data"])
            try:
                state.update(self.transcoder.decode(_cipher(key).decrypt(
                    data[:NONCE_BYTES], data[NONCE_BYTES:], _binding(event))))
                return
            except InvalidTag:
                pass  # not this event's envelope, or altered: treat as unreadable
        for name, kind in envelope["kinds"].items():
            state[name] = _ERASED_VALUE.get(kind)


@lru_cache(maxsize=65_536)
def _subject_id(text: str) -> UUID:
    """An envelope's subject id (a page names the same few people many times)."""
    return UUID(text)


@lru_cache(maxsize=65_536)
def _cipher(key: bytes) -> AESGCM:
    """One cipher object per data key (setting one up costs more than a small message)."""
    return AESGCM(key)


def _sealed_state(event: Any) -> dict[str, Any] | None:
    """The state holding the event's envelope (a copy, for a snapshot's inner state), or
    None when nothing in it is sealed."""
    if isinstance(event, Snapshot):
        return dict(event.state) if ENVELOPE in event.state else None
    state: dict[str, Any] = vars(event)
    return state if ENVELOPE in state else None


def _subject(state: dict[str, Any], marked: PersonalFields, event: Any) -> UUID:
    value = event.originator_id if marked.subject == "originator_id" else state[marked.subject]
    return value if isinstance(value, UUID) else UUID(str(value))


def _binding(event: Any) -> bytes:
    return f"{event.originator_id}:{event.originator_version}".encode()


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "s"
    if isinstance(value, list | tuple):
        return "l"
    return "o"


def _with_state(event: Any, state: dict[str, Any]) -> Any:
    """An event object of the same class with this state (events are immutable)."""
    copy = object.__new__(type(event))
    object.__setattr__(copy, "__dict__", state)
    return copy
