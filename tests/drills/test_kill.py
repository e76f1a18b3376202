"""kill -9 while secretaries fill forms and a broadcast goes out (bench/drills.py kill, in short)."""

from pathlib import Path

from bench.drills import kill_drill

KILLS = 2


async def test_a_killed_bot_keeps_every_confirmed_form_once_and_every_draft(tmp_path: Path) -> None:
    report = await kill_drill(
        tmp_path, secretaries=3, kills=KILLS, every=(0.8, 1.6), passive=15, patience=2.5, at_least=1
    )
    assert report.problems == []
    assert report.confirmed >= 3
    # Every form whose "Saved" the secretary saw is in the database, once; a form saved just before a
    # kill whose answer was lost is stored too (saved_unanswered), never twice.
    assert report.lost == 0
    assert report.duplicates == 0
    assert report.stored == report.confirmed + report.saved_unanswered
    assert report.partial_records == 0
    # The forms left half done at the end continue where they were after the last restart.
    assert report.unfinished == 3
    assert report.resumable == 3
    # Every secretary gets the broadcast; a kill between Telegram's answer and the outbox's note of it
    # sends that one message again after the restart (at least once, one message per kill at most).
    assert report.broadcast_lost == 0
    assert report.broadcast_duplicates <= KILLS
