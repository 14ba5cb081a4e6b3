"""The installed package layout: every package of the checkout is installed, glue included."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _declared() -> tuple[list[str], dict[str, str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    return setuptools["packages"], setuptools.get("package-dir", {})


def _folder_of(package: str, mapping: dict[str, str]) -> Path:
    """Where setuptools takes ``package`` from: the longest mapped prefix, else its own path."""
    parts = package.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in mapping:
            return ROOT.joinpath(mapping[prefix], *parts[cut:])
    return ROOT.joinpath(*parts)


def test_every_package_folder_is_installed() -> None:
    packages, mapping = _declared()
    installed = {_folder_of(p, mapping) for p in packages}
    missing = installed - {f for f in installed if (f / "__init__.py").is_file()}
    assert not missing, f"declared in pyproject.toml but not a package: {sorted(missing)}"
    tops = ["newscrawl", *mapping.values()]
    found = {init.parent for top in tops for init in (ROOT / top).rglob("__init__.py")}
    found = {f for f in found if "__pycache__" not in f.parts}
    assert found <= installed, f"not in pyproject.toml's packages: {sorted(found - installed)}"


def test_glue_is_installed_inside_the_newscrawl_package() -> None:
    _packages, mapping = _declared()
    assert mapping, "the glue folders are mapped into newscrawl (package-dir)"
    assert all(name.startswith("newscrawl.") for name in mapping), mapping
