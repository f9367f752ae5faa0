"""Benchmarks of crmhub's hot paths, each with its own entry point (`python -m bench.<name>`)."""
