"""Spreadsheet formula injection: a CSV cell that starts with =, +, -, @, tab or CR is run as
a formula by Excel and LibreOffice. Anyone can name a project or write feedback, so exported
text cells get a leading apostrophe (the OWASP advice), and the importer takes it off again,
so an export still imports back unchanged.
"""

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: object) -> object:
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def restore(value: object) -> object:
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(TRIGGERS):
        return value[1:]
    return value
