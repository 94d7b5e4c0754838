"""Shared test set-up: fixtures live in tests/fixtures/ as plugins, one module per owner."""

pytest_plugins = ["tests.fixtures.services", "tests.fixtures.server"]
