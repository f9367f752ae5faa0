"""The demo data set's world: its staff, catalogue, wording and consent offers, as data
(`api/demo.py` builds the history from them)."""

from __future__ import annotations

DAYS = 730
CURRENCY = "EUR"
STAFF = {
    "sales": ["sam.sales", "ria.sales", "tom.sales", "ana.sales"],
    "service": ["sid.service", "eve.service", "kai.service"],
    "marketing": ["meg.marketing", "liu.marketing"],
}
#: sku, product name, category, unit price
CATALOGUE = [
    ("RT-100", "Home router", "network", "89.00"), ("RT-300", "Office router", "network", "249.00"),
    ("SW-24", "24-port switch", "network", "399.00"), ("AP-6", "Wi-Fi 6 access point", "network", "179.00"),
    ("NAS-2", "2-bay storage", "storage", "329.00"), ("NAS-8", "8-bay storage", "storage", "1490.00"),
    ("SSD-1T", "1 TB SSD", "storage", "79.90"), ("CAM-HD", "Security camera", "security", "129.00"),
    ("LIC-SEC", "Security suite (1 year)", "software", "59.00"),
    ("LIC-BKP", "Cloud backup (1 year)", "software", "99.00"),
    ("SUP-STD", "Standard support (1 year)", "services", "190.00"),
    ("SUP-PRM", "Premium support (1 year)", "services", "590.00"),
    ("INST", "On-site installation", "services", "240.00"),
]
OPPORTUNITY_NAMES = ["Network refresh", "Storage upgrade", "Security rollout", "Support renewal",
                     "Branch office fit-out"]
INDUSTRIES = ["retail", "logistics", "healthcare", "education", "manufacturing", "finance",
              "hospitality", "public sector"]
CASE_SUBJECTS = {
    "incident": ["Device keeps rebooting", "No connection since update", "Storage volume degraded"],
    "question": ["How to set up VPN", "Which plan fits us", "Firmware schedule"],
    "complaint": ["Delivery arrived damaged", "Waited too long on the phone"],
    "request": ["Add a second site", "Move installation date"],
    "return": ["Return unopened router"],
    "billing": ["Invoice shows wrong VAT", "Charged twice"],
}
#: What customers allow us when asked (purpose, data categories, notice), by weight: most
#: take the newsletter, some allow marketing on every channel, a few texts, or post and calls.
CONSENT_OFFERS = [
    (("marketing.communications.email", ["user.name", "user.contact.email"], "newsletter-v3"), 5),
    (("marketing", ["user.name", "user.contact", "user.behavior.browsing_history"],
      "marketing-all-v2"), 3),
    (("marketing.communications.sms", ["user.contact.phone_number"], "sms-offers-v1"), 2),
    (("marketing.communications", ["user.contact.address", "user.contact.phone_number"],
      "post-and-calls-v1"), 1),
]
INTERACTION_SUBJECTS = {
    "sales": ["Discovery call", "Pricing discussion", "Demo follow-up", "Contract questions"],
    "service": ["Support call", "Troubleshooting session", "Status update", "Satisfaction check"],
    "marketing": ["Newsletter", "Webinar invitation", "Product launch announcement", "Survey"],
    "partner": ["Reseller referral", "Distributor stock query"],
}
#: name, kind, territories, products or categories, capacity
PARTNERS = [
    ("Northwind Resellers", "reseller", ["GB"], ["network", "security"], 40),
    ("Rheinland IT Partner", "reseller", ["DE"], ["network", "storage", "services"], 40),
    ("Lumière Distribution", "distributor", ["FR", "NL"], ["network", "storage", "software"], 60),
    ("Polder Installations", "vendor", ["NL", "DE"], ["services"], 25),
    ("Atlas Components", "supplier", ["GB", "DE", "FR", "NL"], ["storage"], 10),
]
#: What some customers allow the partners (purpose, data categories, notice): a grant to
#: every reseller, or to one partner they met.
PARTNER_CONSENT = ("third_party_sharing.partner",
                   ["user.name", "user.contact.email", "user.contact.phone_number"],
                   "partner-sharing-v1")
#: The purpose of the demo's partner token (covered by the grants above).
PARTNER_PURPOSE = "third_party_sharing.partner.lead_referral"
PARTNER_SCOPES = ["leads:read", "leads:write", "deals:read", "deals:write", "customers:read",
                  "feedback:write", "reports:read"]
DEAL_NAMES = ["Branch network", "Backup rollout", "Camera installation", "Office Wi-Fi"]
REJECTION_REASONS = ["outside our service area this quarter", "no installer free",
                     "customer too small for us"]
