"""`discogsography --version` and shell completion, as a user's shell runs them."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from discogsography import __version__

# The installed console script: completion is keyed to the program's name.
SCRIPT = Path(sys.executable).parent / "discogsography"


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_version_is_the_package_version() -> None:
    result = _run("--version")
    assert result.returncode == 0
    assert result.stdout == f"discogsography, version {__version__}\n"
    assert importlib.metadata.version("discogsography") == __version__


def _complete(line: str) -> list[str]:
    """What click answers bash for the last word of LINE (the protocol the script speaks)."""
    words = line.split(" ")
    result = _run(COMP_WORDS=line, COMP_CWORD=str(len(words) - 1), _DISCOGSOGRAPHY_COMPLETE="bash_complete")
    assert result.returncode == 0, result.stderr
    return [entry.split(",", 1)[1] for entry in result.stdout.splitlines()]


def test_completion_offers_commands_subcommands_and_options() -> None:
    assert _complete("discogsography pa") == ["parse"]
    assert {"cache", "db", "extractor", "parse", "pipeline", "samples", "tableinator"} <= set(
        _complete("discogsography ")
    )
    assert "search" in _complete("discogsography cache s")
    assert _complete("discogsography parse --li") == ["--limit"]
    assert _complete("discogsography completion ") == ["bash", "zsh", "fish"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script_for_each_shell(shell: str) -> None:
    result = _run("completion", shell)
    assert result.returncode == 0, result.stderr
    assert "_DISCOGSOGRAPHY_COMPLETE" in result.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_bash_script_completes_in_bash() -> None:
    script = f"""
        eval "$({SCRIPT} completion bash)"
        COMP_WORDS=(discogsography cache se); COMP_CWORD=2
        _discogsography_completion discogsography
        printf '%s\\n' "${{COMPREPLY[@]}}"
    """
    result = subprocess.run(
        ["bash", "-c", script],
        env={**os.environ, "PATH": f"{SCRIPT.parent}:{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["search"]
