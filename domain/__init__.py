"""The CRM domain: aggregates, their events, and the hub application with its commands."""
