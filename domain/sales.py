"""Sales force automation: leads, opportunities through the pipeline, and quotes.

The aggregates live in `domain.leads`, `domain.opportunities` and `domain.quotes`;
this module gathers them under the name the hub and the other packages use.
"""

from __future__ import annotations

from domain.leads import Lead, LeadSource, LeadStatus
from domain.opportunities import OPEN_STAGES, STAGE_PROBABILITY, Opportunity, OpportunityStage
from domain.quotes import Quote, QuoteLineDraft, QuoteStatus

__all__ = [
    "OPEN_STAGES",
    "STAGE_PROBABILITY",
    "Lead",
    "LeadSource",
    "LeadStatus",
    "Opportunity",
    "OpportunityStage",
    "Quote",
    "QuoteLineDraft",
    "QuoteStatus",
]
