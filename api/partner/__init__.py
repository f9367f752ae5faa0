"""The partner GraphQL endpoint, `POST /partner/graphql`: a separate, smaller schema.

How the package fits together (a feature module plugs in the same way `customers.py` does):

- `context.py`: `PartnerContext` (the partner principal of the request's token, the hub,
  the views) and `PartnerInfo`; `run_command` / `read` run hub commands and reads off the
  event loop, as in the internal schema.
- `auth.py`: every field declares what it needs, `scoped("leads:read")` (a partner token
  with that scope) or `any_partner()` (any valid partner token). No token, a bad one or
  an internal one: UNAUTHENTICATED; a partner token without the scope: FORBIDDEN.
- `data_categories.py`: the data category of every field the schema returns (a test
  fails on an unclassified one).
- `schema.py`: `build_partner_schema(settings)`, merging each feature's `...Query` and
  `...Mutation` types, with the endpoint's security settings.
- `router.py`: the FastAPI router (POST only), its token check and the per-token rate
  limit (`rate_limit.py`), mounted by `api.app`.
- `selection.py`: which fields a query selects, so a partner is read exactly what it asked.
- `disclosure_log.py`: a data subject's fields returned in a request are noted with
  `disclosed(...)` and logged through `record_disclosures` before the response leaves
  (see `customers.py`).
- `identity.py` (`me`), `customers.py`, `leads.py`, `deals.py`, `notices.py`: the features.

A feature module defines `@strawberry.type class XxxQuery` / `XxxMutation` whose fields
carry `extensions=scoped(...)`, and adds them to the tuples in `schema.py`; README examples
for this endpoint are fenced as ```graphql partner (validated against this schema).
"""
