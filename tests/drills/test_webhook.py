"""Behind a webhook, every update delivered three times (bench/drills.py webhook)."""

from pathlib import Path

from bench.drills import webhook_drill


async def test_every_update_delivered_three_times_is_processed_once(tmp_path: Path) -> None:
    report = await webhook_drill(tmp_path, secretaries=3, forms=3.0, patience=3.0, at_least=1)
    assert report.problems == []
    updates = report.extra["updates"]
    assert updates > 20
    assert report.extra["deliveries"] >= 3 * updates
    assert report.extra["processed"] == updates
    assert report.extra["skipped as seen"] == report.extra["deliveries"] - updates
    assert report.confirmed >= 3
    assert report.duplicates == 0
    assert report.stored == report.confirmed
