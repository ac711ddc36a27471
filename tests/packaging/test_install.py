"""The package as a user gets it: `uv build`, a fresh virtual environment outside the repository,
the installed command run there on a bundled sample, with and without the compiled converter."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import orjson
import pytest

from tests.conftest import REPO
from tests.support.ci import under_ci

# Building the wheel (the compiled converter) and installing it into fresh environments: longer
# than the suite's default limit on a loaded machine.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

UV = shutil.which("uv") or ""
if not UV:  # `make test` installs uv first; on CI its absence is a failure, elsewhere a skip
    if under_ci():
        raise RuntimeError("uv is needed to build the package")
    pytest.skip("uv is needed to build the package", allow_module_level=True)


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user outside the project: no virtualenv or path of this checkout."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH", "UV_PROJECT"}}
    return {**env, **extra}


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        check=False,
        cwd=cwd,
        env=env or _clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    assert REPO not in out.parents
    _run(UV, "build", "--out-dir", out, cwd=REPO)  # the sdist, then the wheel built from it
    return out


def _install(wheel: Path, venv: Path) -> Path:
    _run(UV, "venv", "--python", sys.executable, venv, cwd=venv.parent)
    python = venv / "bin" / "python"
    _run(UV, "pip", "install", "--python", python, wheel, cwd=venv.parent)
    return venv / "bin"


def _parse_first_releases(bin_dir: Path, work: Path) -> list[dict[str, object]]:
    """`discogsography samples` finds the installed samples; `parse` runs on one of them."""
    listed = _run(bin_dir / "discogsography", "samples", cwd=work).split()
    releases = next(Path(p) for p in listed if p.endswith("_releases.xml.gz"))
    assert "site-packages" in releases.parts, releases  # the installed copy, not the clone's
    out = work / "releases.jsonl"
    _run(bin_dir / "discogsography", "parse", releases, "--limit", "50", "--output", out, cwd=work)
    return [orjson.loads(line) for line in out.read_bytes().splitlines()]


def _compiled(bin_dir: Path, work: Path) -> bool:
    code = "from discogsography.parsing.convert import COMPILED; print(COMPILED)"
    return _run(bin_dir / "python", "-c", code, cwd=work).strip() == "True"


def test_sdist_carries_what_a_wheel_build_and_a_first_run_need(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"hatch_build.py", "pyproject.toml", "LICENSE", "README.md"} <= names
    assert "src/discogsography/parsing/_fastconvert.pyx" in names
    assert "samples/discogs_20200806/discogs_20200806_CHECKSUM.txt" in names
    assert not [n for n in names if n.endswith((".so", ".c"))]  # built per platform, never shipped


def test_metadata_is_complete(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read("discogsography-0.1.0.dist-info/METADATA").decode()
    for field in ("Summary: ", "License-Expression: MIT", "Requires-Python: >=3.11", "Project-URL: "):
        assert field in metadata
    assert "Classifier: Programming Language :: Python :: 3.11" in metadata


def test_installed_wheel_parses_a_bundled_sample(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    bin_dir = _install(wheel, tmp_path / "venv")
    assert (
        _run(bin_dir / "discogsography", "--version", cwd=tmp_path).strip() == "discogsography, version 0.1.0"
    )
    records = _parse_first_releases(bin_dir, tmp_path)
    assert len(records) == 50
    assert all(isinstance(r["sha256"], str) and r["id"] for r in records)
    source = _run(bin_dir / "discogsography", "samples", "--source", cwd=tmp_path).strip()
    assert (
        source.startswith("file:///")
        and Path(source.removeprefix("file://"), "discogs_20200806_CHECKSUM.txt").is_file()
    )
    if shutil.which("cc"):
        with zipfile.ZipFile(wheel) as archive:
            assert [
                n
                for n in archive.namelist()
                if n.startswith("discogsography/parsing/_fastconvert.") and n.endswith(".so")
            ]
        assert _compiled(bin_dir, tmp_path)


def test_without_a_compiler_the_pure_python_wheel_gives_the_same_records(dist: Path, tmp_path: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    (compiled_wheel,) = dist.glob("*.whl")
    out = tmp_path / "dist"
    # CC=/bin/false: setuptools' compile step fails as it does on a machine without a compiler.
    _run(UV, "build", "--wheel", "--out-dir", out, sdist, cwd=tmp_path, env=_clean_env(CC="/bin/false"))
    (wheel,) = out.glob("*.whl")
    assert wheel.name.endswith("-py3-none-any.whl")
    pure_bin = _install(wheel, tmp_path / "pure")
    assert not _compiled(pure_bin, tmp_path)
    compiled_bin = _install(compiled_wheel, tmp_path / "compiled")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert _parse_first_releases(pure_bin, tmp_path / "a") == _parse_first_releases(
        compiled_bin, tmp_path / "b"
    )


def test_uvx_runs_the_wheel_without_installing_it(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    out = _run(UV, "tool", "run", "--isolated", "--from", wheel, "discogsography", "--version", cwd=tmp_path)
    assert out.strip() == "discogsography, version 0.1.0"


def test_wheel_carries_the_dashboard_page_and_its_assets(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    static = REPO / "src" / "discogsography" / "dashboard" / "static"
    with zipfile.ZipFile(wheel) as archive:
        for asset in ("index.html", "dashboard.js", "dashboard.css"):
            packed = archive.read(f"discogsography/dashboard/static/{asset}")
            assert packed == (static / asset).read_bytes()
