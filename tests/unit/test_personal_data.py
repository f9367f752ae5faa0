"""The personal-data mark is complete and right: the privacy layer encrypts exactly it."""

from __future__ import annotations

import dataclasses

import pytest
from eventsourcing.domain import CanInitAggregate

from api.store import AGGREGATES  # the composed hub's: privacy registers its events on import
from domain.customers import Customer
from domain.personal_data import NO_PERSONAL_DATA, PERSONAL_DATA, PersonalFields, register


def _event_classes(aggregate: type) -> list[type]:
    """The aggregate's event classes, without the library's unused default `Created`
    (an aggregate whose creation event has its own name never raises that one)."""
    events = [value for value in vars(aggregate).values()
              if isinstance(value, type) and issubclass(value, aggregate.Event)
              and value is not aggregate.Event]
    created = [cls for cls in events if issubclass(cls, CanInitAggregate)]
    if len(created) > 1:
        events.remove(aggregate.Created)
    return events


EVENT_CLASSES = sorted((cls for aggregate in AGGREGATES for cls in _event_classes(aggregate)),
                       key=lambda cls: cls.__qualname__)
#: Attributes every event has, none of them personal.
COMMON = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor",
          "occurred_at"}


def test_every_aggregate_has_events():
    assert {cls.__qualname__.split(".")[0] for cls in EVENT_CLASSES} == {
        aggregate.__name__ for aggregate in AGGREGATES}


@pytest.mark.parametrize("event_class", EVENT_CLASSES, ids=lambda cls: cls.__qualname__)
def test_every_event_class_is_classified_once(event_class):
    assert (event_class in PERSONAL_DATA) != (event_class in NO_PERSONAL_DATA), (
        f"{event_class.__qualname__} must be in PERSONAL_DATA or in NO_PERSONAL_DATA")


@pytest.mark.parametrize("event_class", sorted(PERSONAL_DATA, key=lambda c: c.__qualname__),
                         ids=lambda cls: cls.__qualname__)
def test_marked_fields_and_subject_exist_on_the_event(event_class):
    names = {f.name for f in dataclasses.fields(event_class)}
    mark = PERSONAL_DATA[event_class]
    assert mark.subject in names
    assert set(mark.fields) <= names - COMMON, set(mark.fields) - names
    assert mark.fields, "an entry in PERSONAL_DATA must name at least one field"


def test_known_personal_fields_are_marked():
    """Spot checks of what must never be stored in clear."""
    marked = {(cls.__qualname__, name) for cls, mark in PERSONAL_DATA.items()
              for name in mark.fields}
    for expected in [("Customer.Registered", "given_name"), ("Customer.Registered", "emails"),
                     ("Customer.Registered", "phones"), ("Customer.Registered", "address"),
                     ("Customer.ProfileUpdated", "family_name"),
                     ("Interaction.Recorded", "summary"), ("Lead.Captured", "email"),
                     ("Consent.Withdrawn", "reason")]:
        assert expected in marked, expected


def test_an_event_class_is_classified_only_once():
    before = (dict(PERSONAL_DATA), set(NO_PERSONAL_DATA))
    with pytest.raises(ValueError, match="Customer.OwnerAssigned"):
        register(no_personal_data=[Customer.OwnerAssigned])
    with pytest.raises(ValueError, match="Customer.Registered"):
        register({Customer.Registered: PersonalFields("originator_id", ("given_name",))})
    assert (PERSONAL_DATA, NO_PERSONAL_DATA) == before
