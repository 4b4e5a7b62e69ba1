"""Recording the SQL statements a block of code sends, for tests that a cost stays flat."""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def recorded_statements(engine):
    """The statements sent through ``engine`` inside the block, in order."""
    seen: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def reads_of(table: str, statements: list[str]) -> list[str]:
    """The SELECTs among ``statements`` that read ``table``."""
    reads = re.compile(rf'\b(FROM|JOIN)\s+"?{re.escape(table)}"?(\s|$)', re.IGNORECASE)
    return [s for s in statements if s.lstrip().upper().startswith("SELECT") and reads.search(s)]
