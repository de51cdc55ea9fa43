"""`python -m paperlab` runs the CLI."""

from paperlab.cli import main

main()
