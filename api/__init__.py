"""The only package that wires the others together: HTTP, GraphQL, auth and the CLI."""
