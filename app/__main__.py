"""`python -m app` runs the vigie command."""

from app.cli import main

main()
