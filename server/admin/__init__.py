"""`python -m server admin ...`: the operator's command line."""
