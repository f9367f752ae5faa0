"""What a read model is: its tables, its version, and how each event changes them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from eventsourcing.utils import get_topic

from projections.database import Transaction

F = TypeVar("F", bound=Callable[..., None])


def handles(*event_classes: type) -> Callable[[F], F]:
    """Mark a view method as the handler of these event classes."""

    def mark(method: F) -> F:
        method.__dict__.setdefault("handles", []).extend(event_classes)
        return method

    return mark


class View:
    """A read model. Subclasses name their tables and handle events with `@handles`.

    `apply` gets a page of events in log order inside the transaction that also moves the
    view's position, so a crash can neither lose nor double-apply an event. Raising the
    `version` rebuilds the view from the log on the next start.
    """

    name: ClassVar[str]
    version: ClassVar[int] = 1
    #: Tables the view owns (dropped on rebuild), and the statements that create them.
    tables: ClassVar[tuple[str, ...]] = ()
    ddl: ClassVar[tuple[str, ...]] = ()
    #: Tables an earlier layout had and this one dropped: removed by the rebuild.
    retired_tables: ClassVar[tuple[str, ...]] = ()
    #: A raw view gets the stored notifications of the page (id, originator, version,
    #: topic and state as stored, ciphertext included) instead of decoded events
    #: (`projections.chain.LedgerChain` hashes what is stored).
    raw: ClassVar[bool] = False
    #: A positioned view gets `(log position, event)` pairs instead of bare events.
    positioned: ClassVar[bool] = False
    _handlers: ClassVar[dict[type, Callable[..., None]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = {}
        for klass in reversed(cls.__mro__):
            for attribute in vars(klass).values():
                for event_class in getattr(attribute, "handles", ()):
                    cls._handlers[event_class] = attribute

    def apply(self, tx: Transaction, events: Sequence[object]) -> None:
        for event in events:
            handler = self._handlers.get(type(event))
            if handler is not None:
                handler(self, tx, event)


class TopicView(View):
    """A view of events it matches by their topics, not their classes: a view of the
    events of `privacy` or `partners`, which `projections` does not import (dependencies
    point `api -> projections, partners, privacy -> domain`). The topic a stored event was
    saved under never changes (a stored event class is never renamed)."""

    #: topic -> handler(tx, event)
    topic_handlers: ClassVar[Mapping[str, Callable[[Transaction, Any], None]]] = {}

    def apply(self, tx: Transaction, events: Sequence[object]) -> None:
        for event in events:
            handler = self.topic_handlers.get(get_topic(type(event)))
            if handler is not None:
                handler(tx, event)
