"""The `discogsography` command. Subcommands live beside the code they drive and load lazily."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from discogsography.runtime import early_stop

# Services shut down cleanly on SIGTERM once they run; one stopped while it is still starting
# stops cleanly too (runtime/early_stop.py). The handler goes in before the slower imports.
SERVICES = frozenset({"extractor", "tableinator", "dashboard", "serve"})
if len(sys.argv) > 1 and sys.argv[1] in SERVICES:
    early_stop.install()

import click  # noqa: E402 - after the handler, which must be in place as early as possible

from discogsography import __version__  # noqa: E402
from discogsography.errors import ConfigurationError, DiscogsographyError  # noqa: E402

# name -> "module:attribute" of a click command; loaded only when used, so `parse` never
# imports the database or broker drivers.
SUBCOMMANDS: dict[str, str] = {
    "parse": "discogsography.cli.parse_command:parse",
    "extractor": "discogsography.extractor.extractor_command:extractor",
    "tableinator": "discogsography.tableinator.tableinator_command:tableinator",
    "db": "discogsography.tableinator.tableinator_command:db",
    "cache": "discogsography.cache.cache_command:cache",
    "pipeline": "discogsography.pipeline.pipeline_command:pipeline",
    "export": "discogsography.export.export_command:export",
    "load": "discogsography.load.load_command:load",
    "samples": "discogsography.cli.samples_command:samples",
    "completion": "discogsography.cli.completion_command:completion",
    "dashboard": "discogsography.dashboard.dashboard_command:dashboard",
    "serve": "discogsography.api.api_command:serve",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in SUBCOMMANDS if self._load(name) is not None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in SERVICES and ctx.resilient_parsing is False:
            early_stop.install()
        return self._load(cmd_name)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Every user mistake or deliberate error ends as one line on stderr and exit status 1."""
        prog_name = prog_name or "discogsography"  # also as `python -m discogsography`
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            exc.show()  # a group without its subcommand: the help, as click shows it
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(130)
        except click.UsageError as exc:
            # click's exit status 2 and three lines of usage become the one line of any mistake.
            where = exc.ctx.command_path if exc.ctx is not None else "discogsography"
            _report(f"{_one_line(exc.format_message())} (see '{where} --help')")
        except click.ClickException as exc:
            _report(_one_line(exc.format_message()))
        except ConfigurationError as exc:
            _report(str(exc), plain=True)
        except DiscogsographyError as exc:
            _report(str(exc))
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                return None  # that part of the system is not installed in this build
            raise
        command = getattr(module, attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="discogsography")
def cli() -> None:
    """Turn the monthly Discogs data dumps into databases people can query."""


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _report(message: str, *, plain: bool = False) -> NoReturn:
    if plain:
        click.echo(f"error: {message}", err=True)
    else:
        from discogsography.runtime.logs import report_error

        report_error(message)  # a JSON line where a service logs JSON, else `error: ...`
    sys.exit(1)


def main(argv: list[str] | None = None) -> Any:
    """Entry point: every deliberate error becomes one line on stderr and exit status 1."""
    return cli.main(args=argv)
