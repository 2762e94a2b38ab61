"""`python -m app` is the `planmap` command."""

from app.cli.main import main

main()
