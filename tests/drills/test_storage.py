"""The database locked by another process, or the disk full (bench/drills.py locked, diskfull)."""

from pathlib import Path

import pytest

from bench.drills import storage_drill


@pytest.mark.parametrize(("kind", "hold"), [("locked", 6.5), ("diskfull", 3.0)])
async def test_the_user_is_told_to_try_again_and_the_bot_recovers(
    tmp_path: Path, kind: str, hold: float
) -> None:
    report = await storage_drill(
        tmp_path, kind, secretaries=3, before=1.5, hold=hold, after=4.0, patience=3.0
    )
    assert report.problems == []  # among them: a form confirmed after the fault ended
    assert report.extra["told to try again"] >= 1
    assert report.extra["told something went wrong"] == 0
    assert report.partial_records == 0
    assert report.lost == 0
    assert report.duplicates == 0
    assert report.resumable == report.unfinished == 3
