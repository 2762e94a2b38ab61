"""`python -m app` is the `planmap` command."""

from app.cli.main import main

if __name__ == "__main__":  # not when a worker process (forkserver/spawn) imports the main module again
    main()
