"""Click's usage errors (a wrong flag, a missing argument, an unknown command) on one line.

Click prints four lines (the usage, a hint, a blank line, the error); every other error
of grunt-archive is one line, which a log or a timer's mail reads whole.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click


def usage_line(error: click.UsageError) -> str:
    """Return ``error`` as its one line, with where to find help."""
    where = f" (see `{error.ctx.command_path} --help`)" if error.ctx is not None else ""
    return f"Error: {' '.join(error.format_message().split())}{where}"


def report_usage(error: click.UsageError) -> NoReturn:
    """Print ``error`` on one line, with where to find help, and exit with its code (2)."""
    if isinstance(error, getattr(click.exceptions, "NoArgsIsHelpError", ())):
        raise error  # a group named alone (`grunt-archive db`): its help, as click shows it
    click.echo(usage_line(error), err=True)
    sys.exit(error.exit_code)


class OneLineUsageGroup(click.Group):
    """A group whose usage errors, and those of every command under it, are one line."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse the group's own options; a bad one is one line, as a subcommand's is."""
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            report_usage(error)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a usage error in its flags or its name is one line."""
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            self.usage_failed(ctx, error)
            report_usage(error)

    def usage_failed(self, ctx: click.Context, error: click.UsageError) -> None:
        """Hear of a command's usage error before it is reported (and the program exits)."""
