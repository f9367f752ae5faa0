"""Deal registration: a partner claims an opportunity it is working, for a customer or
for a lead it accepted, and moves it through the same pipeline as our own opportunities.

The pipeline's stages, win probabilities and moves are `domain.opportunities`'
(prospecting -> qualification -> proposal -> negotiation -> won | lost; forward to any
later open stage, back by exactly one; won and lost only by closing, lost with a reason).

Conflicts. A registration is checked against what is already being sold to the same
customer or lead: our own open opportunities and other partners' (or the same partner's)
open registrations. What it collides with is recorded on the registration (`conflicts`)
and the registration is *flagged*, never merged into the other or refused: the first
registrant keeps its claim, and sales decides about the newcomer.

- `keep`: the registration stands (a genuinely separate deal, or the partner's claim is
  accepted); the flag is cleared and the partner works it as any other.
- `reject`: the registration is closed as rejected, for good; the partner sees why.

Either way sales says why (`note`). Until then the partner may move the deal along the
pipeline or give it up (close it lost), but not close it won: that would book revenue
somebody else may be owed. Only an open, flagged, unresolved registration can be resolved.

The deal's name and the reasons and notes written about it describe the customer's (or
the lead's) business and may name people: they are that data subject's personal data,
as an opportunity's name is (`subject_id`: the customer, or the lead).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import event

from domain import personal_data
from domain.base import CrmAggregate, require, required_text
from domain.errors import InvalidTransitionError
from domain.opportunities import (
    OPEN_STAGES,
    STAGE_PROBABILITY,
    OpportunityStage,
    closing_reason,
    next_stage,
    parse_future_date,
    parse_outcome,
)
from domain.personal_data import PersonalFields
from domain.values import Vocabulary, parse_amount, parse_currency

NAME_MAX = 200
NOTE_MAX = 500
#: More conflicts than anyone could review: a guard against a runaway caller.
CONFLICTS_MAX = 100


class DealStatus(Vocabulary):
    OPEN = "open"
    WON = "won"
    LOST = "lost"
    REJECTED = "rejected"


class ConflictResolution(Vocabulary):
    KEEP = "keep"
    REJECT = "reject"


class ConflictState(Vocabulary):
    """Where a registration stands with the conflicts it was registered with."""

    NONE = "none"
    FLAGGED = "flagged"
    KEPT = "kept"
    REJECTED = "rejected"


class DealRegistration(CrmAggregate):
    """One partner's claim on one deal with a customer or a lead, from registration to close."""

    KIND = "deal"

    @event("Registered")
    def __init__(
        self,
        *,
        partner_id: UUID,
        customer_id: UUID | None,
        lead_id: UUID | None,
        subject_id: UUID,
        name: str,
        amount: Decimal,
        currency: str,
        expected_close_date: date,
        stage: str,
        probability: Decimal,
        conflicts: list[UUID],
    ) -> None:
        self.partner_id = partner_id
        self.customer_id = customer_id
        self.lead_id = lead_id
        self.subject_id = subject_id
        self.name = name
        self.amount = amount
        self.currency = currency
        self.expected_close_date = expected_close_date
        self.stage = stage
        self.probability = probability
        self.conflicts = conflicts
        self.conflict_state = (ConflictState.FLAGGED if conflicts else ConflictState.NONE).value
        self.conflict_note: str | None = None
        self.status = DealStatus.OPEN.value
        self.close_reason: str | None = None

    @classmethod
    def register(
        cls,
        *,
        partner_id: UUID,
        customer_id: UUID | None,
        lead_id: UUID | None,
        name: str,
        amount: Decimal | str | int,
        currency: str,
        expected_close_date: date | str,
        stage: str = OpportunityStage.PROSPECTING.value,
        conflicts: Sequence[UUID] = (),
    ) -> DealRegistration:
        """A new registration; `conflicts` are the open opportunities and registrations of
        the same customer or lead, already confirmed by the caller."""
        require((customer_id is None) != (lead_id is None), "customerId",
                "name either a customer or a lead, not both")
        first = OpportunityStage.parse(stage, "stage")
        require(first in OPEN_STAGES, "stage", "a deal is registered in an open stage")
        unique = list(dict.fromkeys(conflicts))
        require(len(unique) <= CONFLICTS_MAX, "conflicts", f"at most {CONFLICTS_MAX}")
        subject = customer_id if customer_id is not None else lead_id
        assert subject is not None  # one of them, checked above
        return cls(
            partner_id=partner_id,
            customer_id=customer_id,
            lead_id=lead_id,
            subject_id=subject,
            name=required_text(name, "name", max_length=NAME_MAX),
            amount=parse_amount(amount, "amount", allow_zero=False),
            currency=parse_currency(currency, "currency"),
            expected_close_date=parse_future_date(expected_close_date, "expectedCloseDate"),
            stage=first.value,
            probability=STAGE_PROBABILITY[first],
            conflicts=unique,
        )

    @property
    def is_open(self) -> bool:
        return self.status == DealStatus.OPEN

    @property
    def awaits_resolution(self) -> bool:
        return self.conflict_state == ConflictState.FLAGGED

    # -- pipeline ------------------------------------------------------------------------

    def advance(self, stage: str) -> None:
        """Move to a later open stage, or back by one stage."""
        new = OpportunityStage.parse(stage, "stage")
        self._require_open("moved to another stage")
        new = next_stage(f"deal {self.id}", self.stage, new)
        self._change_stage(stage=new.value, probability=STAGE_PROBABILITY[new])

    @event("StageChanged")
    def _change_stage(self, *, stage: str, probability: Decimal) -> None:
        self.stage = stage
        self.probability = probability

    def close(self, outcome: str, reason: str | None) -> None:
        """Win or lose the deal; losing needs a reason. A flagged deal cannot be won
        before sales has resolved its conflict."""
        final = parse_outcome(outcome)
        self._require_open("closed")
        if final is OpportunityStage.WON and self.awaits_resolution:
            raise InvalidTransitionError(
                f"deal {self.id} conflicts with another deal for the same customer: "
                "it can be won once sales has resolved the conflict")
        self._close(subject_id=self.subject_id, outcome=final.value,
                    probability=STAGE_PROBABILITY[final], reason=closing_reason(final, reason))

    @event("Closed")
    def _close(self, *, subject_id: UUID, outcome: str, probability: Decimal,
               reason: str | None) -> None:
        self.stage = outcome
        self.status = outcome
        self.probability = probability
        self.close_reason = reason

    # -- conflicts -----------------------------------------------------------------------

    def resolve_conflict(self, resolution: str, note: str) -> None:
        """Sales' decision on a flagged registration: keep it, or reject it (closing it)."""
        decided = ConflictResolution.parse(resolution, "resolution")
        cleaned = required_text(note, "note", max_length=NOTE_MAX)
        self._require_open("resolved")
        if not self.awaits_resolution:
            raise InvalidTransitionError(
                f"deal {self.id} has no conflict to resolve (conflict: {self.conflict_state})")
        state = ConflictState.KEPT if decided is ConflictResolution.KEEP else ConflictState.REJECTED
        self._resolve_conflict(subject_id=self.subject_id, resolution=state.value, note=cleaned)

    @event("ConflictResolved")
    def _resolve_conflict(self, *, subject_id: UUID, resolution: str, note: str) -> None:
        self.conflict_state = resolution
        self.conflict_note = note
        if resolution == ConflictState.REJECTED:
            self.status = DealStatus.REJECTED.value
            self.probability = STAGE_PROBABILITY[OpportunityStage.LOST]

    def _require_open(self, action: str) -> None:
        if not self.is_open:
            raise InvalidTransitionError(
                f"deal {self.id} is {self.status}: a closed deal cannot be {action}")


# The name, the closing reason and sales' note on a conflict are written about the
# customer's (or lead's) business; ids, amounts, stages and the conflict list are not
# personal data. The event classes are made by the library's metaclass from the `@event`
# names, which mypy cannot see.
personal_data.register({
    DealRegistration.Registered: PersonalFields("subject_id", ("name",)),  # type: ignore[attr-defined]
    DealRegistration.Closed: PersonalFields("subject_id", ("reason",)),  # type: ignore[attr-defined]
    DealRegistration.ConflictResolved: PersonalFields(  # type: ignore[attr-defined]
        "subject_id", ("note",)),
}, no_personal_data=[DealRegistration.StageChanged])  # type: ignore[attr-defined]
