"""`python -m app` is the `planmap` command."""

from app.cli import main

main()
