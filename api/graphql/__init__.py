"""The internal GraphQL schema: one module per feature, put together in `schema`."""
