"""Build hook: compiles the parser's record converter (src/discogsography/parsing/_fastconvert.pyx).

The compiled converter walks libxml2's tree through lxml's C API instead of one Python proxy
per element, which makes conversion several times faster (bench/parse_bench.py). Without a C
compiler the build still succeeds and the parser uses the pure-Python converter, which gives
the same records (tests/parsing/test_fastconvert.py holds the two to that).

It runs for wheels only (pyproject.toml): an sdist ships the .pyx and this hook, and the wheel
built from it compiles again. An editable install (``uv sync``) gets the module next to its
source in src/; a regular wheel gets it from build/lib, added under its package path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("src/discogsography/parsing/_fastconvert.pyx")
MODULE = "discogsography.parsing._fastconvert"


def compile_converter(root: Path, *, inplace: bool) -> tuple[Path, str]:
    """Compile the converter; returns the extension's absolute path and its path inside the wheel."""
    import lxml
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    build_lib = root / "build" / "lib"
    extension = Extension(MODULE, [str(root / SOURCE)], include_dirs=lxml.get_include())
    distribution = Distribution(
        {
            "ext_modules": cythonize([extension], language_level=3, quiet=True),
            "package_dir": {"": str(root / "src")},
        }
    )
    command: Any = distribution.get_command_obj("build_ext")
    command.inplace = inplace
    command.build_lib = str(build_lib)
    command.build_temp = str(root / "build" / "temp")
    command.ensure_finalized()
    command.run()
    # setuptools may answer relative to the working directory: anchor it to the project root.
    built = Path(command.get_ext_fullpath(MODULE))
    built = built if built.is_absolute() else (Path.cwd() / built).resolve()
    inside = built.relative_to(root / "src" if inplace else build_lib).as_posix()
    return built, inside


class CompileConverterHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root).resolve()
        editable = version == "editable"
        try:
            built, inside = compile_converter(root, inplace=editable)
        except Exception as exc:  # no compiler, no headers: the pure-Python converter works
            self.app.display_warning(f"compiled converter not built ({exc}); using the Python one")
            return
        if not editable:  # an editable install finds the module in src/ itself
            build_data["force_include"][str(built)] = inside
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
