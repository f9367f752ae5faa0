"""Opportunities: a possible sale to a customer, moved through the sales pipeline.

prospecting -> qualification -> proposal -> negotiation -> won | lost

An open opportunity moves forward to any later open stage (stages may be skipped) or
back by exactly one stage, which is what happens when a customer asks for a new
proposal during negotiation; larger steps back would hide a deal that is really lost.
Won and lost are reached only by closing, and a closed opportunity never changes
again (a lost deal that comes back is a new opportunity).

Each stage has a win probability (`STAGE_PROBABILITY`). The probability is recorded in
the events with the stage, so a weighted forecast of the past stays what it was when
the table changes. The opportunity's name and a closing reason are written about the
customer's business and may name people, so they are the customer's personal data.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import event

from domain.base import CrmAggregate, clean_text, now, require, required_text
from domain.errors import InvalidTransitionError, InvalidValueError
from domain.values import Vocabulary, parse_amount, parse_currency

REASON_MAX = 500
T = TypeVar("T")


class OpportunityStage(Vocabulary):
    PROSPECTING = "prospecting"
    QUALIFICATION = "qualification"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    WON = "won"
    LOST = "lost"


#: The open stages, in pipeline order.
OPEN_STAGES: tuple[OpportunityStage, ...] = (
    OpportunityStage.PROSPECTING,
    OpportunityStage.QUALIFICATION,
    OpportunityStage.PROPOSAL,
    OpportunityStage.NEGOTIATION,
)

#: Chance of winning in each stage, used for the weighted forecast.
STAGE_PROBABILITY: dict[OpportunityStage, Decimal] = {
    OpportunityStage.PROSPECTING: Decimal("0.10"),
    OpportunityStage.QUALIFICATION: Decimal("0.20"),
    OpportunityStage.PROPOSAL: Decimal("0.50"),
    OpportunityStage.NEGOTIATION: Decimal("0.80"),
    OpportunityStage.WON: Decimal("1.00"),
    OpportunityStage.LOST: Decimal("0.00"),
}


def parse_date(value: date | str, field: str) -> date:
    """A calendar date, given as a `date` or an ISO-8601 string (YYYY-MM-DD)."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidValueError(field, f"{value!r} is not a date (YYYY-MM-DD)") from None
    if type(value) is not date:
        raise InvalidValueError(field, "must be a calendar date without a time")
    return value


def parse_future_date(value: date | str, field: str) -> date:
    """A date no earlier than the command's business day."""
    day = parse_date(value, field)
    require(day >= now().date(), field, f"{day.isoformat()} is in the past")
    return day


def next_stage(what: str, current: str, stage: str) -> OpportunityStage:
    """The open stage a pipeline item (`what`: "opportunity <id>", "deal <id>") that is
    open in stage `current` moves to: any later open stage, or back by exactly one.
    The pipeline's rules, shared by opportunities and partners' deal registrations."""
    new = OpportunityStage.parse(stage, "stage")
    require(new in OPEN_STAGES, "stage", f"won and lost are reached by closing the {what.split()[0]}")
    position = OPEN_STAGES.index(OpportunityStage(current))
    target = OPEN_STAGES.index(new)
    if target == position:
        raise InvalidTransitionError(f"{what} is already in stage {new.value}")
    if target < position - 1:
        raise InvalidTransitionError(
            f"{what} can go back only one stage, "
            f"from {current} to {OPEN_STAGES[position - 1].value}"
        )
    return new


def parse_outcome(outcome: str) -> OpportunityStage:
    """How a pipeline item closes: won or lost."""
    final = OpportunityStage.parse(outcome, "outcome")
    require(final in (OpportunityStage.WON, OpportunityStage.LOST), "outcome",
            "must be won or lost")
    return final


def closing_reason(outcome: OpportunityStage, reason: str | None) -> str | None:
    """Why a pipeline item closed: losing needs a reason, winning may give one."""
    if outcome is OpportunityStage.LOST:
        return required_text(reason, "reason", max_length=REASON_MAX)
    return clean_text(reason, "reason", max_length=REASON_MAX) or None


def _unless_same(value: T | None, current: T | None) -> T | None:
    """The new value of a detail, or None when it is not given or unchanged."""
    return None if value == current else value


class Opportunity(CrmAggregate):
    """A possible sale to one customer, with its amount, stage and expected close date."""

    KIND = "opportunity"

    @event("Opened")
    def __init__(
        self,
        *,
        customer_id: UUID,
        name: str,
        amount: Decimal,
        currency: str,
        expected_close_date: date,
        owner: str | None,
        stage: str,
        probability: Decimal,
        lead_id: UUID | None,
        campaign_id: UUID | None,
    ) -> None:
        self.customer_id = customer_id
        self.name = name
        self.amount = amount
        self.currency = currency
        self.expected_close_date = expected_close_date
        self.owner = owner
        self.stage = stage
        self.probability = probability
        self.lead_id = lead_id
        self.campaign_id = campaign_id
        self.close_reason: str | None = None

    @classmethod
    def open(
        cls,
        *,
        customer_id: UUID,
        name: str,
        amount: Decimal | str | int,
        currency: str,
        expected_close_date: date | str,
        owner: str | None,
        stage: str = OpportunityStage.PROSPECTING.value,
        lead_id: UUID | None = None,
        campaign_id: UUID | None = None,
    ) -> Opportunity:
        first = OpportunityStage.parse(stage, "stage")
        require(first in OPEN_STAGES, "stage", "an opportunity opens in an open stage")
        return cls(
            customer_id=customer_id,
            name=required_text(name, "name"),
            amount=parse_amount(amount, "amount"),
            currency=parse_currency(currency, "currency"),
            expected_close_date=parse_future_date(expected_close_date, "expectedCloseDate"),
            owner=clean_text(owner, "owner") or None,
            stage=first.value,
            probability=STAGE_PROBABILITY[first],
            lead_id=lead_id,
            campaign_id=campaign_id,
        )

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    # -- details -------------------------------------------------------------------

    def update(
        self,
        *,
        name: str | None = None,
        amount: Decimal | str | int | None = None,
        expected_close_date: date | str | None = None,
        owner: str | None = None,
    ) -> None:
        """Change the given details of an open opportunity; None leaves one as it is."""
        self.require_open("updated")
        new_name = _unless_same(
            None if name is None else required_text(name, "name"), self.name)
        new_amount = _unless_same(
            None if amount is None else parse_amount(amount, "amount"), self.amount)
        new_close = _unless_same(
            None if expected_close_date is None
            else parse_date(expected_close_date, "expectedCloseDate"),
            self.expected_close_date)
        if new_close is not None:  # an overdue date sent back unchanged is no error
            new_close = parse_future_date(new_close, "expectedCloseDate")
        new_owner = _unless_same(
            None if owner is None else required_text(owner, "owner"), self.owner)
        if any(v is not None for v in (new_name, new_amount, new_close, new_owner)):
            self._update(customer_id=self.customer_id, name=new_name, amount=new_amount,
                         expected_close_date=new_close, owner=new_owner)

    @event("Updated")
    def _update(
        self,
        *,
        customer_id: UUID,
        name: str | None,
        amount: Decimal | None,
        expected_close_date: date | None,
        owner: str | None,
    ) -> None:
        """Each detail that is not None replaces the current one."""
        for key, value in (("name", name), ("amount", amount),
                           ("expected_close_date", expected_close_date), ("owner", owner)):
            if value is not None:
                setattr(self, key, value)

    # -- pipeline ------------------------------------------------------------------

    def advance(self, stage: str) -> None:
        """Move to a later open stage, or back by one stage."""
        new = OpportunityStage.parse(stage, "stage")
        self.require_open("moved to another stage")
        new = next_stage(f"opportunity {self.id}", self.stage, new)
        self._change_stage(stage=new.value, probability=STAGE_PROBABILITY[new])

    @event("StageChanged")
    def _change_stage(self, *, stage: str, probability: Decimal) -> None:
        self.stage = stage
        self.probability = probability

    def close(self, outcome: str, reason: str | None) -> None:
        """Win or lose the opportunity. Losing needs a reason; winning may give one."""
        final = parse_outcome(outcome)
        self.require_open("closed")
        cleaned = closing_reason(final, reason)
        self._close(customer_id=self.customer_id, outcome=final.value,
                    probability=STAGE_PROBABILITY[final], reason=cleaned)

    @event("Closed")
    def _close(self, *, customer_id: UUID, outcome: str, probability: Decimal,
               reason: str | None) -> None:
        self.stage = outcome
        self.probability = probability
        self.close_reason = reason

    def require_open(self, action: str) -> None:
        """Raise `InvalidTransitionError` unless the opportunity is still open."""
        if not self.is_open:
            raise InvalidTransitionError(
                f"opportunity {self.id} is {self.stage}: a closed opportunity cannot be {action}"
            )
