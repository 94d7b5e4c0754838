"""Iltapiiri escalation."""
