"""`discogsography samples`: where the bundled real sample dumps are, for a first run anywhere.

The wheel carries them as ``discogsography/sample_data/`` (pyproject.toml); in a clone they are
the repository's ``samples/``. Two sets: 2020-08-06 (1,000 real records of each kind with its
CHECKSUM file, a complete mirror for ``DISCOGS_SOURCE=file://...``) and a few dozen 2025/2026
records in today's format.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from discogsography.cli.shared_options import log_options
from discogsography.errors import DiscogsographyError

MIRROR_SET = "discogs_20200806"


def samples_root() -> Path:
    """The directory holding the sample sets, installed or in a clone."""
    installed = Path(str(resources.files("discogsography"))) / "sample_data"
    if installed.is_dir():
        return installed
    checkout = Path(__file__).resolve().parents[3] / "samples"  # src/discogsography/cli/ -> the repository
    if (checkout / MIRROR_SET).is_dir():
        return checkout
    raise DiscogsographyError("the sample dumps are not installed with this copy of discogsography")


def sample_files() -> list[Path]:
    root = samples_root()
    return sorted(path for path in root.glob("discogs_*/*") if path.suffix in {".gz", ".txt"})


@click.command()
@log_options
@click.option(
    "--source",
    is_flag=True,
    help=f"Print only the file:// URL of the {MIRROR_SET} set, a DISCOGS_SOURCE for a first pipeline run.",
)
def samples(source: bool) -> None:
    """List the bundled sample dump files (real Discogs records, CC0), one path a line.

    \b
    discogsography parse "$(discogsography samples | grep releases | head -n 1)"
    DISCOGS_SOURCE="$(discogsography samples --source)" discogsography pipeline
    """
    if source:
        click.echo((samples_root() / MIRROR_SET).as_uri())
        return
    for path in sample_files():
        click.echo(str(path))
