"""Partner relationship management: the partners the CRM shares leads and deals with."""
