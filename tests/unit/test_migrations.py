"""The numbered migrations: a database applies only the numbers above its user_version, so they run
from 0001 without a gap, and a gap stops chibo at start instead of being skipped for good."""

from pathlib import Path

import pytest

from storage import database


def test_the_shipped_migrations_have_no_gap() -> None:
    numbers = [n for n, _, _ in database.migrations()]
    assert numbers == list(range(1, len(numbers) + 1))


def test_a_gap_stops_chibo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("0001_a.sql", "0002_b.sql", "0004_d.sql"):
        (tmp_path / name).write_text("SELECT 1;")
    monkeypatch.setattr(database.resources, "files", lambda _package: tmp_path)
    with pytest.raises(RuntimeError, match="without a gap"):
        database.migrations()
