"""Consent in the internal GraphQL schema: grants with their evidence, withdrawals, and
the vocabulary their purposes and data categories are named in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

import strawberry
from pydantic import Field

from api.graphql.auth import requires
from api.graphql.context import Info, read, run_command
from api.graphql.types import Channel, InputModel, input_type, validated
from api.permissions import Action
from domain import values
from privacy import consent as model
from privacy.vocabulary import Term, vocabulary

RecipientKind = strawberry.enum(model.RecipientKind, name="ConsentRecipientKind")
PartnerCategory = strawberry.enum(model.PartnerCategory)
GrantStatus = strawberry.enum(model.GrantStatus, name="ConsentStatus",
                              description="An expired grant counts as withdrawn.")
ChangeKind = strawberry.enum(model.ChangeKind, name="ConsentChangeKind")

Name = Annotated[str, Field(min_length=1, max_length=200)]


# -- output types -------------------------------------------------------------------


@strawberry.type(description="Who may receive the data: our organisation, one partner, or "
                             "every partner of a category.")
class ConsentRecipient:
    kind: RecipientKind
    partner_id: strawberry.ID | None
    category: PartnerCategory | None


@strawberry.type(description="One event in a grant's story, with its evidence.")
class ConsentChange:
    kind: ChangeKind
    occurred_at: datetime = strawberry.field(description="When it happened.")
    actor: str = strawberry.field(description="Who recorded it.")
    channel: Channel = strawberry.field(description="Where the customer said so.")
    reason: str | None


@strawberry.type(description="What a customer allowed: to whom, for which purpose, which data.")
class ConsentGrant:
    id: strawberry.ID
    recipient: ConsentRecipient
    purpose: str = strawberry.field(
        description="A data use of the consent vocabulary; it covers its narrower uses.")
    categories: list[str] = strawberry.field(
        description="Data categories of the consent vocabulary; each covers its narrower ones.")
    status: GrantStatus = strawberry.field(description="Evaluated when read.")
    given_at: datetime
    channel: Channel = strawberry.field(description="Where it was given.")
    recorded_by: str
    notice_version: str = strawberry.field(description="The version of the notice shown.")
    notice_text: str | None = strawberry.field(description="The wording of the notice shown.")
    expires_at: datetime | None
    vocabulary_version: str = strawberry.field(
        description="The consent vocabulary version its names were checked against.")
    history: list[ConsentChange] = strawberry.field(description="Oldest first.")

    @classmethod
    def of(cls, grant: model.Grant, at: datetime) -> ConsentGrant:
        recipient = grant.recipient
        return cls(
            id=strawberry.ID(str(grant.id)),
            recipient=ConsentRecipient(
                kind=model.RecipientKind(recipient.kind),
                partner_id=strawberry.ID(str(recipient.partner_id)) if recipient.partner_id else None,
                category=model.PartnerCategory(recipient.category) if recipient.category else None,
            ),
            purpose=grant.purpose, categories=list(grant.categories), status=grant.status(at),
            given_at=grant.given.occurred_at, channel=values.Channel(grant.given.channel),
            recorded_by=grant.given.actor, notice_version=grant.notice_version,
            notice_text=grant.notice_text, expires_at=grant.expires_at,
            vocabulary_version=grant.vocabulary_version,
            history=[ConsentChange(kind=model.ChangeKind(change.kind),
                                   occurred_at=change.occurred_at, actor=change.actor,
                                   channel=values.Channel(change.channel), reason=change.reason)
                     for change in grant.history],
        )


@strawberry.type(description="A name of the consent vocabulary, and what it means.")
class ConsentTerm:
    name: str
    description: str


@strawberry.type(description="The purposes (data uses) and data categories consent names: "
                             "fideslang names, dotted from broad to narrow.")
class ConsentVocabulary:
    version: str
    purposes: list[ConsentTerm]
    categories: list[ConsentTerm]


# -- inputs ---------------------------------------------------------------------------


class RecipientModel(InputModel):
    kind: RecipientKind
    partner_id: UUID | None = Field(default=None, description="With kind PARTNER only.")
    category: PartnerCategory | None = Field(default=None,
                                             description="With kind PARTNER_CATEGORY only.")


class GrantConsentModel(InputModel):
    customer_id: UUID | None = Field(default=None, description="The customer who gave it; or leadId.")
    lead_id: UUID | None = Field(default=None, description="The lead who gave it; or customerId.")
    recipient: RecipientModel
    purpose: Name
    categories: list[Name] = Field(min_length=1, max_length=50)
    channel: Channel
    notice_version: Annotated[str, Field(min_length=1, max_length=model.NOTICE_VERSION_MAX)]
    notice_text: Annotated[str, Field(max_length=model.NOTICE_MAX)] | None = None
    occurred_at: datetime | None = Field(
        default=None, description="When it was given, if earlier than now (paper, imports).")
    expires_at: datetime | None = Field(
        default=None, description="When it lapses by itself: after it was given.")


class WithdrawConsentModel(InputModel):
    customer_id: UUID | None = Field(default=None, description="The grant's customer; or leadId.")
    lead_id: UUID | None = Field(default=None, description="The grant's lead; or customerId.")
    grant_id: UUID
    channel: Channel
    reason: Annotated[str, Field(max_length=model.REASON_MAX)] | None = None
    occurred_at: datetime | None = None


ConsentRecipientInput = input_type(RecipientModel, "ConsentRecipientInput",
                                   partner_id=strawberry.ID | None)
GrantConsentInput = input_type(GrantConsentModel, "GrantConsentInput",
                               customer_id=strawberry.ID | None, lead_id=strawberry.ID | None)
WithdrawConsentInput = input_type(WithdrawConsentModel, "WithdrawConsentInput",
                                  customer_id=strawberry.ID | None, lead_id=strawberry.ID | None,
                                  grant_id=strawberry.ID)


# -- queries and mutations ---------------------------------------------------------


async def customer_consents(info: Info, subject_id: UUID | str) -> list[ConsentGrant]:
    """Every grant of the customer (or lead), oldest first, with its status now."""
    grants = await read(info, info.context.hub.consents, subject_id)
    at = datetime.now(UTC)
    return [ConsentGrant.of(grant, at) for grant in grants]


async def _grant(info: Info, subject_id: UUID, grant_id: UUID) -> ConsentGrant:
    grants = await customer_consents(info, subject_id)
    return next(grant for grant in grants if grant.id == str(grant_id))


def _subject(data: GrantConsentModel | WithdrawConsentModel) -> UUID:
    """The subject a command named (it refused any input naming none or both)."""
    subject = data.customer_id or data.lead_id
    assert subject is not None
    return subject


def _terms(terms: tuple[Term, ...]) -> list[ConsentTerm]:
    return [ConsentTerm(name=term.name, description=term.description) for term in terms]


@strawberry.type
class ConsentQuery:
    @strawberry.field(extensions=requires(Action.CONSENT_READ))
    def consent_vocabulary(self) -> ConsentVocabulary:
        terms = vocabulary()
        return ConsentVocabulary(version=terms.version, purposes=_terms(terms.purposes),
                                 categories=_terms(terms.categories))


@strawberry.type
class ConsentMutation:
    @strawberry.mutation(
        extensions=requires(Action.CONSENT_WRITE),
        description="Record the consent a customer (customerId) or a lead (leadId: a person "
                    "before they are a customer; not once converted) gave, with its evidence.",
    )
    async def grant_consent(self, info: Info, input: GrantConsentInput) -> ConsentGrant:
        data = validated(GrantConsentModel, input)
        recipient = data.recipient
        grant_id = await run_command(
            info, info.context.hub.grant_consent, customer_id=data.customer_id,
            lead_id=data.lead_id, recipient=recipient.kind, partner_id=recipient.partner_id,
            partner_category=recipient.category, purpose=data.purpose,
            categories=data.categories, channel=data.channel, notice_version=data.notice_version,
            notice_text=data.notice_text, expires_at=data.expires_at, occurred_at=data.occurred_at,
        )
        return await _grant(info, _subject(data), grant_id)

    @strawberry.mutation(
        extensions=requires(Action.CONSENT_WRITE),
        description="Record that the customer or the lead withdrew a live grant.",
    )
    async def withdraw_consent(self, info: Info, input: WithdrawConsentInput) -> ConsentGrant:
        data = validated(WithdrawConsentModel, input)
        await run_command(
            info, info.context.hub.withdraw_consent, customer_id=data.customer_id,
            lead_id=data.lead_id, grant_id=data.grant_id, channel=data.channel, reason=data.reason,
            occurred_at=data.occurred_at,
        )
        return await _grant(info, _subject(data), data.grant_id)
