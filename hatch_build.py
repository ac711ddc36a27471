"""Build hook: compiles the parser's record converter (src/discogsography/parsing/_fastconvert.pyx).

The compiled converter walks libxml2's tree through lxml's C API instead of one Python proxy
per element, which makes conversion several times faster (bench/parse_bench.py). Without a C
compiler the build still succeeds and the parser uses the pure-Python converter, which gives
the same records (tests/parsing/test_fastconvert.py holds the two to that).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("src/discogsography/parsing/_fastconvert.pyx")


def compile_converter(root: Path) -> Path:
    """Compile the converter in place, next to its source; returns the extension module's path."""
    import lxml
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    extension = Extension(
        "discogsography.parsing._fastconvert",
        [str(root / SOURCE)],
        include_dirs=lxml.get_include(),
    )
    distribution = Distribution(
        {
            "ext_modules": cythonize([extension], language_level=3, quiet=True),
            "package_dir": {"": str(root / "src")},
        }
    )
    command: Any = distribution.get_command_obj("build_ext")
    command.inplace = True
    command.build_temp = str(root / "build" / "temp")
    command.ensure_finalized()
    command.run()
    (built,) = command.get_outputs()
    return Path(built)


class CompileConverterHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        try:
            built = compile_converter(root)
        except Exception as exc:  # no compiler, no headers: the pure-Python converter works
            self.app.display_warning(f"compiled converter not built ({exc}); using the Python one")
            return
        if version != "editable":  # an editable install finds the module in src/ itself
            build_data["force_include"][str(built)] = str(built.relative_to(root / "src"))
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
