"""The repository layout the user asked for, and the stdlib module it must not shadow."""

import importlib
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_platform_is_the_standard_library_module():
    module = importlib.import_module("platform")
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    assert Path(module.__file__).resolve().parent == stdlib
    assert callable(module.python_version)


def test_platform_folder_is_a_source_root_not_a_package():
    assert (ROOT / "platform" / "aidbridge" / "__init__.py").is_file()
    assert not (ROOT / "platform" / "__init__.py").exists()
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    shadows = [
        p
        for p in sys.path
        if p
        and Path(p).resolve() != stdlib
        and (Path(p, "platform.py").exists() or Path(p, "platform", "__init__.py").exists())
    ]
    assert shadows == []


def test_requested_top_level_layout_exists():
    for name in (
        "pyproject.toml",
        "platform",
        "tenants",
        "migrations",
        "templates",
        "tests",
        "wsgi.py",
    ):
        assert (ROOT / name).exists(), name
    for portal in ("bureau", "charity", "agency"):
        assert (ROOT / "tenants" / portal / "views.py").is_file()
