"""`python -m grunt_archive`."""

from grunt_archive.cli import cli

cli(prog_name="grunt-archive")
