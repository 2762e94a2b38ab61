"""Accounts, passwords and API tokens."""
