"""Atom feeds of the project history, so the public and the press can follow changes without an account.

The audit log already holds every change with its old and new values; the feeds only read
it. `atom` writes the XML, `describe` turns one audit row into a readable title and summary,
`query` selects the rows of a scope (plan, project, town, category), `router` serves them.
"""
