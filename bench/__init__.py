"""Benchmarks and fault drills of chibo, run by hand: `python -m bench throughput|scale|broadcast|drills`.

They are not tests: they take seconds to minutes, print what they measured (with the machine they ran
on) and leave the numbers to be read, not asserted. Every benchmark runs its baseline in the same run
and reports a ratio, because shared machines are noisy. The fault drills have short versions in
tests/drills that assert what the bot promises.

- `throughput`: simulated secretaries fill /activity forms against the real `chibo run` process, with a
  bare python-telegram-bot echo bot as the ceiling and chibo with sequential processing as a baseline.
- `scale`: a province and a large city of synthetic data; digests, the export and the reminder pass.
- `broadcast`: 3,000 outbox messages through the emulator's flood control.
- `drills`: kill -9, 502s and dropped connections, webhook redelivery, a locked database, a full disk.

The Bot API emulator (devtools/telegram_emulator) runs inside the benchmark's process and plays the
users; the bot runs in its own process, as in production.
"""
