"""The machine dies: Litestream's replica brings the database back (bench/drills.py replica, in short)."""

from pathlib import Path

from bench.drills import replica_drill


async def test_every_form_saved_before_litestreams_window_comes_back_from_the_replica(
    tmp_path: Path,
) -> None:
    report = await replica_drill(tmp_path, secretaries=20, before=3.0, after=2.0, patience=3.0, at_least=1)
    # Among the problems it would list: two replicators at once after the bot alone was killed and
    # started again, the restore failing, or the restored database not starting.
    assert report.problems == []
    old = report.extra["confirmed before the window"]
    assert old >= 20
    assert report.extra["of them restored"] == old
    assert report.lost == 0
    assert report.duplicates == 0
    assert report.partial_records == 0
    # The forms confirmed within the window may or may not be there; the drill counts them.
    recent = report.extra["confirmed within the window"]
    print(
        f"{recent} forms confirmed within {report.extra['window s']} s of the kill, "
        f"{report.extra['of them restored ']} restored"
    )
