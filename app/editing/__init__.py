"""Changing projects: permissions, validation, optimistic concurrency and history, in one place."""
