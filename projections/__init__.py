"""Read models: department views kept current from the one event log."""
