"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi …``."""

import sys
from pathlib import Path

# platform/ is a source root, not a package (it would shadow the standard library's
# `platform`); make the core importable when running from a checkout without install.
_SOURCE_ROOT = str(Path(__file__).resolve().parent / "platform")
if _SOURCE_ROOT not in sys.path:
    sys.path.append(_SOURCE_ROOT)

import gc  # noqa: E402

from aidbridge import create_app  # noqa: E402

app = create_app()
# What is loaded by now (modules, models, the engine's libraries: some 200,000 objects)
# lives as long as the process; left to the collector, each full pass walks it all and
# pauses a request for ~150 ms on this project's machine.
gc.freeze()
