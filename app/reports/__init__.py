"""The reports a planning bureau hands in: the evaluation report of a plan (annual, mid-term, final).

Domain code: it reads the database and builds documents; serving them is app/api/reports.py and
`planmap report` (app/cli/reports.py).
"""
