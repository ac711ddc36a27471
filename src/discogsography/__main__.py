"""`python -m discogsography` is the `discogsography` command."""

from discogsography.cli import main

main()
