"""The Bot API answers 502 or drops the connection on one sending request in ten (bench/drills.py faults)."""

from pathlib import Path

from bench.drills import faults_drill


async def test_bad_gateways_and_dropped_connections_lose_nothing(tmp_path: Path) -> None:
    report = await faults_drill(
        tmp_path, secretaries=3, forms=4.0, passive=15, patience=2.0, at_least=1, nudge=2.0
    )
    assert report.problems == []  # the bot process is still running, among others
    assert report.extra["faults injected"] > 0
    assert report.confirmed >= 3
    assert report.lost == 0
    assert report.duplicates == 0
    assert report.stored == report.confirmed + report.saved_unanswered
    assert report.resumable == report.unfinished == 3
    # A failed request never reached the chat, so the outbox's retry delivers each message once.
    assert report.broadcast_delivered == report.broadcast
