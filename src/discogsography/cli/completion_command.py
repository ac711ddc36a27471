"""`discogsography completion SHELL`: the shell's completion script, from click's own support.

The script calls ``discogsography`` back with ``_DISCOGSOGRAPHY_COMPLETE`` set, so completion
always matches the installed commands and options.
"""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

from discogsography.cli.shared_options import log_options

PROG = "discogsography"
COMPLETE_VAR = "_DISCOGSOGRAPHY_COMPLETE"


@click.command()
@log_options
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the completion script for SHELL.

    \b
    bash: eval "$(discogsography completion bash)"   (in ~/.bashrc; bash >= 4.4)
    zsh:  eval "$(discogsography completion zsh)"    (in ~/.zshrc)
    fish: discogsography completion fish > ~/.config/fish/completions/discogsography.fish
    """
    completion_class = get_completion_class(shell)
    assert completion_class is not None  # click knows the three choices
    click.echo(completion_class(ctx.find_root().command, {}, PROG, COMPLETE_VAR).source())
