"""Iltapiiri moderation."""
