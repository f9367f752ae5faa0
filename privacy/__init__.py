"""Privacy: consent with evidence, on the domain's hub (`api -> privacy -> domain`)."""
