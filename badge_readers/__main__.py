"""`python -m badge_readers` runs the vigie-reader command."""

from badge_readers.cli import main

main()
