"""Scale: synthetic data for a province or a large city, and what the committee's work costs on it.

    python -m bench scale [--size province|city] [--regenerate] [--repeat 3] [--plans] [--dashboard]

Sizes (DOMAIN.md's units: a root committee, committees, cells):

- province: 10 committees x 30 cells = 300 cells, 15,000 people, 150,000 meeting and activity records;
- city: 20 districts x 10 committees x 50 cells = 10,000 cells, 500,000 people, 5,000,000 records.

The records span the last four years; people are at every stage of admission (about a quarter have a
deadline running); each cell has a secretary, an enterprise snapshot and two transfers. The database is
written with executemany in large transactions and kept under bench/.cache/scale/ (gitignored); a second
run reuses it (--regenerate writes it again) and applies any newer migration first, timed; a
migration whose text changed after it was applied to the kept database has it written again.

Measured, each the median of --repeat runs: one committee's weekly digest (compute, render the text,
draw the chart) and the root's; /export of one committee (features/export.py: rows, then the workbook); the
daily reminder pass (Scheduler.daily_pass: deadline and meeting reminders queued in the outbox, removed
again after each run). The baseline in the same run is the same work without the indexes of migration
0005, on a copy of the database (--no-baseline skips it). --plans prints EXPLAIN QUERY PLAN of the
queries that matter and the time each query took.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import shutil
import sqlite3
import statistics
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.common import CACHE, machine_line, save_result, table

GENERATOR_VERSION = 2  # bump when the data changes, so cached databases are written again
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
YEARS_OF_RECORDS = 4
BATCH = 50_000
# The indexes migration 0005 adds, and those it replaces: the baseline runs as before it.
NEW_INDEXES: tuple[str, ...] = (
    "people_unit_created",
    "pipeline_steps_unit_created",
    "transfers_unit_created",
    "meetings_unit_created",
    "activities_unit_created",
    "enterprise_unit_created",
    "pipeline_steps_unit_step_date",
    "pipeline_steps_unit_date_step",  # 0008, which replaced the one above and 0002's (unit, date)
    "activities_unit_date_kind",
    "meetings_unit_date_kind",
)
REPLACED_INDEXES: tuple[str, ...] = (
    "CREATE INDEX pipeline_steps_unit_date ON pipeline_steps(unit_id, on_date) WHERE deleted_at IS NULL",
    "CREATE INDEX activities_unit_date ON activities(unit_id, on_date) WHERE deleted_at IS NULL",
    "CREATE INDEX meetings_unit_date ON meetings(unit_id, on_date) WHERE deleted_at IS NULL",
)


@dataclass(frozen=True)
class Size:
    """How big the synthetic organisation is."""

    name: str
    levels: tuple[int, ...]  # children per unit at each level below the root; the last level are cells
    people: int
    records: int

    @property
    def cells(self) -> int:
        """Return the number of cells."""
        total = 1
        for n in self.levels:
            total *= n
        return total


SIZES = {
    "province": Size("province", (10, 30), 15_000, 150_000),
    "city": Size("city", (20, 10, 50), 500_000, 5_000_000),
}


# ----- generating ---------------------------------------------------------------------------------


@dataclass
class Generated:
    """What a generated database holds, and how long writing it took."""

    size: str
    seconds: float
    rows: dict[str, int]
    committee_code: str
    today: str
    version: int = GENERATOR_VERSION
    migrations: dict[str, str] = field(default_factory=dict)  # name -> hash of what was applied


def _migration_hashes() -> dict[str, str]:
    """Return a hash of each migration's SQL, to tell a cached database built on an older text."""
    from storage.database import migrations  # noqa: PLC0415

    return {name: hashlib.sha256(sql.encode()).hexdigest()[:16] for _, name, sql in migrations()}


def _stamp(day: str) -> str:
    return f"{day}T03:00:00+00:00"


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def generate(path: Path, size: Size, today: date, seed_value: int = 2026) -> Generated:
    """Write the synthetic database (the schema comes from the migrations, applied first)."""
    from storage.database import Database  # noqa: PLC0415

    async def schema() -> None:
        async with Database(path) as db:
            await db.migrate()

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    asyncio.run(schema())
    rng = random.Random(seed_value)
    days = [(today - timedelta(days=n)).isoformat() for n in range(YEARS_OF_RECORDS * 366)]
    rows: dict[str, int] = defaultdict(int)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")  # a benchmark's cache: a crash while writing means writing again
    db.execute("PRAGMA foreign_keys = OFF")  # the generator writes parents first
    long_ago = _stamp(days[-1])

    def write(name: str, columns: str, source: Iterator[tuple[Any, ...]]) -> None:
        """Insert rows into a table in transactions of BATCH rows."""
        marks = ", ".join("?" * len(columns.split(",")))
        sql = f"INSERT INTO {name} ({columns}) VALUES ({marks})"
        for chunk in _chunks(source):
            db.execute("BEGIN")
            db.executemany(sql, chunk)
            db.execute("COMMIT")
            rows[name] += len(chunk)

    # The tree: committees level by level, then the cells.
    db.execute("BEGIN")
    parents = [1]
    committee_code = ""
    cells: list[int] = []
    committees: list[int] = []
    for depth, count in enumerate(size.levels):
        last = depth == len(size.levels) - 1
        children = []
        for parent in parents:
            for n in range(count):
                code = f"{'cb' if last else 'db'}{depth}-{parent}-{n}"
                name = f"Chi bộ Công ty {parent}-{n}" if last else f"Đảng bộ {depth}-{parent}-{n}"
                cursor = db.execute(
                    "INSERT INTO units (code, name, parent_id, created_at, meeting_day)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (code, name, parent, long_ago, 1 + (n % 28)),
                )
                assert cursor.lastrowid is not None
                children.append(cursor.lastrowid)
                if depth == len(size.levels) - 2 and not committee_code:
                    committee_code = code
        if last:
            cells = children
        else:
            committees.extend(children)
        parents = children
    db.execute("COMMIT")
    rows["units"] = len(cells) + len(committees) + 1

    # People who use the bot: a secretary per cell, a member per committee, the admin.
    def people_of_the_bot() -> Iterator[tuple[Any, ...]]:
        for n, cell in enumerate(cells):
            yield ("telegram", str(1_000_000 + n), f"Bí thư {n}", "secretary", cell, "vi", long_ago, long_ago)
        for n, unit in enumerate(committees):
            yield ("telegram", str(2_000_000 + n), f"Cấp ủy {n}", "committee", unit, "vi", long_ago, long_ago)
        yield ("telegram", "900", "Quản trị", "admin", 1, "vi", long_ago, long_ago)

    write(
        "users",
        "channel, external_id, display_name, role, unit_id, language, created_at, updated_at",
        people_of_the_bot(),
    )
    secretary_of = dict(db.execute("SELECT unit_id, id FROM users WHERE role = 'secretary'").fetchall())

    # People in the admission pipeline, with their steps.

    def people() -> Iterator[tuple[Any, ...]]:
        for n in range(size.people):
            cell = cells[n % len(cells)]
            year = rng.randint(1986, 2006)
            source = rng.randrange(len(days) - 30)
            yield (
                cell,
                f"Nguyễn Văn {n}",
                year,
                rng.choice(("male", "female")),
                rng.choice(("worker", "team leader", "engineer")),
                rng.random() < 0.6,
                "Trần Bình",
                "Lê Hoa",
                None,
                secretary_of[cell],
                _stamp(days[source]),
                _stamp(days[source]),
            )

    write(
        "people",
        "unit_id, full_name, birth_year, gender, position, youth_union, helper1, helper2, note,"
        " created_by, created_at, updated_at",
        people(),
    )

    # Each step after the source: how likely a person goes on to it, and the days it takes (from, to).
    # People stop anywhere (a few withdraw), so the open admissions are the recent ones and a few stuck;
    # the ceremony is late for about one in ten, as it happens.
    course = (
        ("awareness_class", 0.75, (20, 180)),
        ("application", 0.60, (30, 365)),
        ("cell_vote", 0.95, (14, 60)),
        ("admission_decision", 0.95, (14, 90)),
        ("ceremony", 0.97, (5, 50)),
        ("recognition", 0.97, (365, 400)),
    )

    def steps() -> Iterator[tuple[Any, ...]]:
        for person, cell, created in db.execute("SELECT id, unit_id, created_at FROM people").fetchall():
            day = date.fromisoformat(created[:10])
            reached = [("source", day)]
            for step, likely, (low, high) in course:
                if rng.random() > likely:
                    if len(reached) > 1 and rng.random() < 0.3:
                        reached.append(("withdrew", day + timedelta(days=rng.randint(30, 200))))
                    break
                day += timedelta(days=rng.randint(low, high))
                reached.append((step, day))
            for step, on in reached:
                if on > today:
                    break  # under way: this step has not happened yet
                votes = (7, 9) if step == "cell_vote" else (None, None)
                number = f"{rng.randint(100, 999)}-QĐ/ĐU" if step == "admission_decision" else None
                stamp = _stamp(on.isoformat())
                yield (person, cell, step, on.isoformat(), *votes, number, None, None, stamp, stamp)

    write(
        "pipeline_steps",
        "person_id, unit_id, step, on_date, votes_for, official_members, decision_number, note,"
        " created_by, created_at, updated_at",
        steps(),
    )

    meetings = size.records // 5

    def meeting_rows() -> Iterator[tuple[Any, ...]]:
        for n in range(meetings):
            cell = cells[n % len(cells)]
            day = days[rng.randrange(len(days))]
            total = rng.randint(5, 30)
            present = total - rng.randint(0, 3)
            yield (
                cell,
                day,
                rng.choice(("regular", "regular", "regular", "thematic", "both")),
                rng.choice((90, 120, 150)),
                total,
                present,
                total - present,
                0,
                None,
                secretary_of[cell],
                _stamp(day),
                _stamp(day),
            )

    write(
        "meetings",
        "unit_id, on_date, kind, minutes, total, present, absent_with_reason, absent_without_reason, topic,"
        " created_by, created_at, updated_at",
        meeting_rows(),
    )
    kinds = ("training", "dialogue", "propaganda", "union_event", "emulation", "other")

    def activity_rows() -> Iterator[tuple[Any, ...]]:
        for n in range(size.records - meetings):
            cell = cells[n % len(cells)]
            day = days[rng.randrange(len(days))]
            yield (
                cell,
                day,
                kinds[n % len(kinds)],
                f"Hoạt động {n}",
                rng.randint(5, 300),
                None,
                None,
                secretary_of[cell],
                _stamp(day),
                _stamp(day),
            )

    write(
        "activities",
        "unit_id, on_date, kind, title, participants, note, photo_file_id,"
        " created_by, created_at, updated_at",
        activity_rows(),
    )

    def enterprise_rows() -> Iterator[tuple[Any, ...]]:
        for n, cell in enumerate(cells):
            day = days[rng.randrange(365)]
            workers = rng.randint(200, 3000)
            yield (
                cell,
                day,
                f"Công ty {n}",
                f"KCN {n % 40}",
                workers,
                workers * 2 // 3,
                workers * 9 // 10,
                workers // 30,
                rng.randint(0, 4),
                secretary_of[cell],
                _stamp(day),
                _stamp(day),
            )

    write(
        "enterprise_snapshots",
        "unit_id, on_date, name, zone, workers, young_workers, union_members, youth_union_members,"
        " members_elsewhere, created_by, created_at, updated_at",
        enterprise_rows(),
    )

    def transfer_rows() -> Iterator[tuple[Any, ...]]:
        # As cells record them (migration 0010): most official transfers out older than two months are
        # completed (letter issued, received by the new cell), the newer ones wait for a step; a temporary
        # transfer that has ended has its return recorded.
        for cell in cells:
            out = days[rng.randrange(200)]
            age = (today - date.fromisoformat(out)).days
            issued = (date.fromisoformat(out) + timedelta(days=rng.randint(5, 40))).isoformat()
            letter = issued if issued <= today.isoformat() and rng.random() < 0.8 else None
            done = None
            if letter is not None and age > 60 and rng.random() < 0.9:
                done = min(today, date.fromisoformat(letter) + timedelta(days=rng.randint(3, 30))).isoformat()
            yield (
                cell,
                "out",
                "official",
                0,
                "Phạm Minh",
                out,
                None,
                letter,
                done,
                None,
                secretary_of[cell],
                _stamp(out),
                _stamp(out),
            )
            start = today - timedelta(days=rng.randint(90, 300))
            end = start + timedelta(days=rng.randint(90, 360))
            returned = end.isoformat() if end < today else None
            yield (
                cell,
                "in",
                "temporary",
                0,
                "Đỗ Lan",
                start.isoformat(),
                end.isoformat(),
                None,
                returned,
                None,
                secretary_of[cell],
                _stamp(start.isoformat()),
                _stamp(start.isoformat()),
            )

    write(
        "transfers",
        "unit_id, direction, kind, study, member_name, on_date, end_date, letter_date, done_on, note,"
        " created_by, created_at, updated_at",
        transfer_rows(),
    )
    write("targets", "unit_id, year, admissions", ((u, today.year, rng.randint(5, 40)) for u in committees))
    # No ANALYZE: chibo never runs it, so the query planner sees what it sees in production.
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return Generated(size.name, time.perf_counter() - started, dict(rows), committee_code, today.isoformat())


def cached(size: Size, regenerate: bool) -> tuple[Path, Generated, bool]:
    """Return the size's database (written now, or earlier and kept) and what it holds."""
    folder = CACHE / "scale"
    path = folder / f"{size.name}.db"
    meta = folder / f"{size.name}.json"
    if not regenerate and path.is_file() and meta.is_file():
        info = Generated(**json.loads(meta.read_text()))
        current = _migration_hashes()
        # Newer migrations are applied to a kept database; one whose applied text changed since is not.
        changed = [name for name, digest in info.migrations.items() if current.get(name) != digest]
        if info.version == GENERATOR_VERSION and not changed:
            return path, info, False
    today = datetime.now(TZ).date()
    info = generate(path, size, today)
    info.migrations = _migration_hashes()
    meta.write_text(json.dumps(vars(info), indent=2))
    return path, info, True


# ----- measuring ----------------------------------------------------------------------------------


@dataclass
class QueryTime:
    """The statements one piece of work ran, with their time."""

    sql: str
    params: Any
    seconds: float = 0.0
    calls: int = 0


@dataclass
class QueryLog:
    """Every statement run while it is active, timed (for --plans)."""

    queries: dict[str, QueryTime] = field(default_factory=dict)

    def top(self, n: int) -> list[QueryTime]:
        """Return the n statements that took the longest in total."""
        return sorted(self.queries.values(), key=lambda q: -q.seconds)[:n]


@contextmanager
def logging_queries(log: QueryLog) -> Iterator[None]:
    """Time every statement the storage layer runs (its database and its transactions alike)."""
    from storage.database import _Runner  # noqa: PLC0415 - the one place every statement goes through

    originals = {name: getattr(_Runner, name) for name in ("execute", "insert", "fetchone", "fetchall")}

    def wrap(name: str, original: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def timed(self: Any, sql: str, params: Any = ()) -> Any:
            started = time.perf_counter()
            try:
                return await original(self, sql, params)
            finally:
                key = " ".join(sql.split())
                entry = log.queries.setdefault(key, QueryTime(key, params))
                entry.seconds += time.perf_counter() - started
                entry.calls += 1

        return timed

    for name, original in originals.items():
        setattr(_Runner, name, wrap(name, original))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(_Runner, name, original)


Work = Callable[[], Awaitable[Any]]


@dataclass
class Measured:
    """The median time of one piece of work, and what it produced."""

    what: str
    seconds: float
    runs: list[float]
    note: str = ""


async def timed(what: str, work: Work, repeat: int, note: Callable[[Any], str] = lambda _: "") -> Measured:
    """Run work `repeat` times; return the median time."""
    runs = []
    result: Any = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = await work()
        runs.append(time.perf_counter() - started)
    return Measured(what, statistics.median(runs), runs, note(result))


async def measure(path: Path, info: Generated, repeat: int, log: QueryLog | None = None) -> list[Measured]:
    """Time the digests, the export and the reminder pass on a database."""
    from bot.config import Settings  # noqa: PLC0415
    from bot.features import digest as digests  # noqa: PLC0415
    from bot.features import export  # noqa: PLC0415
    from bot.features.calendar import load_calendar  # noqa: PLC0415
    from bot.forms.registry import ALL_FORMS  # noqa: PLC0415
    from bot.i18n import translator  # noqa: PLC0415
    from bot.scheduling.outbox import Outbox  # noqa: PLC0415
    from bot.scheduling.scheduler import Scheduler  # noqa: PLC0415
    from storage import units  # noqa: PLC0415
    from storage.database import Database  # noqa: PLC0415
    from storage.models import Role  # noqa: PLC0415

    today = date.fromisoformat(info.today)
    now = datetime.combine(today, datetime.min.time(), tzinfo=TZ).replace(hour=9).astimezone(UTC)
    t = translator("vi")
    results = []
    async with Database(path) as db:
        committee = await units.by_code(db, info.committee_code)
        assert committee is not None
        calendar = await load_calendar(db)

        def digest_work(unit_id: int) -> tuple[Work, Work, Work]:
            computed: list[Any] = []

            async def compute() -> Any:
                computed[:] = [await digests.compute(db, unit_id, today, calendar, zone=TZ)]
                return computed[0]

            async def render() -> str:
                return digests.render(computed[0], t)

            async def chart() -> bytes:
                return await asyncio.to_thread(digests.chart, computed[0], t)

            return compute, render, chart

        for label, unit_id in ((f"committee {info.committee_code}", committee.id), ("root", units.ROOT_ID)):
            compute, render, chart = digest_work(unit_id)
            with logging_queries(log) if log is not None else _nothing():
                first = await timed(f"digest of {label}: compute", compute, repeat, _digest_note)
            second = await timed(
                f"digest of {label}: render the text", render, repeat, lambda s: f"{len(s)} chars"
            )
            third = await timed(
                f"digest of {label}: draw the chart", chart, repeat, lambda b: f"{len(b)} bytes"
            )
            total = Measured(f"digest of {label}: all", first.seconds + second.seconds + third.seconds, [])
            results += [first, second, third, total]

        async def export_work() -> Any:
            request = await export.request_for(db, Role.ADMIN, None, info.committee_code, today)
            return await export.run(db, request, t, TZ, now)

        results.append(
            await timed(
                f"/export of committee {info.committee_code}",
                export_work,
                repeat,
                lambda f: f"{f.rows} rows, {len(f.data) // 1024} KiB",
            )
        )

        settings = Settings(token=None, quiet_start=datetime.min.time(), quiet_end=datetime.min.time())
        clock = lambda: now  # noqa: E731 - the pass runs at 09:00 of the data's today
        scheduler = Scheduler(db, settings, clock, Outbox(db, settings, clock, {}), ALL_FORMS)

        def reminder_pass(runs: list[float], *, ordinary_day: bool) -> Work:
            """Return one reminder pass as work; the pass alone is timed into `runs`, and the outbox
            is emptied after it (not timed) so that the next run does the same work."""

            async def work() -> int:
                if ordinary_day:
                    # Yesterday's reminders are in the outbox already.
                    await scheduler.daily_pass(today - timedelta(days=1))
                started = time.perf_counter()
                queued = await scheduler.daily_pass(today)
                runs.append(time.perf_counter() - started)
                async with db.transaction() as tx:
                    await tx.execute("DELETE FROM outbox")
                return queued

            return work

        for what, ordinary_day in (("the first ever (daily_pass)", False), ("the day after", True)):
            runs: list[float] = []
            with logging_queries(log) if log is not None and not ordinary_day else _nothing():
                counted = await timed(
                    f"reminder pass, {what}",
                    reminder_pass(runs, ordinary_day=ordinary_day),
                    repeat,
                    lambda n: f"{n} queued",
                )
            results.append(Measured(counted.what, statistics.median(runs), runs, counted.note))
    return results


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _digest_note(digest: Any) -> str:
    named = sum(len(c.items) for c in digest.deadlines)
    return f"{len(digest.cells)} cells, {digest.overdue + digest.due_soon} deadlines, {named} named"


def plans(path: Path, log: QueryLog, n: int = 12) -> str:
    """Return EXPLAIN QUERY PLAN of the slowest statements, with their time."""
    db = sqlite3.connect(path)
    lines = []
    for entry in log.top(n):
        if not entry.sql.upper().startswith(("SELECT", "WITH")):
            continue
        plan = db.execute(f"EXPLAIN QUERY PLAN {entry.sql}", entry.params).fetchall()
        lines.append(f"-- {entry.seconds * 1000:.0f} ms in {entry.calls} call(s)")
        lines.append(entry.sql if len(entry.sql) < 400 else entry.sql[:400] + " ...")
        lines += [f"   {'  ' * _depth(row, plan)}{row[3]}" for row in plan]
        lines.append("")
    db.close()
    return "\n".join(lines)


def _depth(row: tuple[Any, ...], plan: list[tuple[Any, ...]]) -> int:
    parents = {r[0]: r[1] for r in plan}
    depth, node = 0, row[1]
    while node in parents:
        depth, node = depth + 1, parents[node]
    return depth


def without_new_indexes(path: Path) -> Path:
    """Return a copy of the database with the indexes it had before migration 0005 (the baseline)."""
    copy = path.with_name(f"{path.stem}-baseline.db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(path, copy)
    db = sqlite3.connect(copy)
    for name in NEW_INDEXES:
        db.execute(f"DROP INDEX IF EXISTS {name}")
    for sql in REPLACED_INDEXES:
        db.execute(sql)
    db.commit()
    db.close()
    return copy


def size_of(path: Path) -> int:
    """Return the bytes of a database with its write-ahead log."""
    return sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists())


async def migrate(path: Path) -> tuple[list[str], float]:
    """Apply migrations newer than the cached database; return them and how long it took."""
    from storage.database import Database  # noqa: PLC0415

    started = time.perf_counter()
    async with Database(path) as db:
        applied = await db.migrate()
    return applied, time.perf_counter() - started


BENCH_TOKEN = "424242:bench-token-for-the-dashboard-only"


async def measure_dashboard(path: Path, info: Generated, repeat: int) -> list[Measured]:
    """Time the dashboard's pages through the real web server, as a committee member reads them.

    The pages are asked over HTTP on loopback with a Mini App's initData (signed as Telegram signs it,
    bot/devtools/telegram_emulator/webapps.py), so a time is the server's: checking the initData,
    reading the scope, the queries and writing the HTML. Two readers are added to the database once:
    a member of the root committee (the whole province or city) and one of a committee.
    """
    from aiohttp.test_utils import TestClient, TestServer  # noqa: PLC0415

    from bot.channels.web.dashboard import Dashboard  # noqa: PLC0415
    from bot.channels.web.server import WebServer  # noqa: PLC0415
    from bot.config import Settings  # noqa: PLC0415
    from bot.devtools.telegram_emulator.models import User  # noqa: PLC0415
    from bot.devtools.telegram_emulator.webapps import init_data  # noqa: PLC0415
    from storage import units, users  # noqa: PLC0415
    from storage.dashboard import Scope  # noqa: PLC0415
    from storage.database import Database  # noqa: PLC0415
    from storage.models import Role  # noqa: PLC0415

    today = date.fromisoformat(info.today)
    now = datetime.combine(today, datetime.min.time(), tzinfo=TZ).replace(hour=9).astimezone(UTC)
    readers = {"root": 990_001, "committee": 990_002}
    async with Database(path) as db:
        committee = await units.by_code(db, info.committee_code)
        assert committee is not None
        for name, external in readers.items():
            user = await users.upsert_contact(db, "telegram", str(external), f"Bench {name}", now)
            unit = units.ROOT_ID if name == "root" else committee.id
            await users.set_role(db, user.id, Role.COMMITTEE, unit, now)
        cell = (await Scope.of(db, committee.id)).cells_under(committee.id)[0]
    settings = Settings(token=BENCH_TOKEN, public_url="https://bench.invalid", timezone=TZ)
    dashboard = Dashboard(Database(path), settings, None, clock=lambda: now)
    await dashboard.db.open()
    client = TestClient(TestServer(WebServer(secret="bench", dashboard=dashboard).application()))
    await client.start_server()
    pages = [
        ("dashboard, root: first page (table)", "root", ""),
        ("dashboard, root: its charts", "root", "?view=charts"),
        ("dashboard, root: deadlines of the next 30 days", "root", "?view=deadlines"),
        ("dashboard, root: the table for this year", "root", "?period=year"),
        ("dashboard, one committee: first page", "committee", ""),
        ("dashboard, one committee: its charts", "committee", "?view=charts"),
        ("dashboard, one cell's page", "committee", f"?view=cell&unit={cell.id}"),
    ]
    results = []
    try:
        for what, reader, query in pages:
            signed = init_data(User(readers[reader], "Bench"), BENCH_TOKEN, int(now.timestamp()))

            cpu: list[float] = []

            async def work(query: str = query, signed: str = signed, cpu: list[float] = cpu) -> int:
                headers = {"Authorization": f"tma {signed}"}
                started = time.process_time()
                response = await client.get(f"/dashboard/tg{query}", headers=headers)
                body = await response.text()
                # The process's CPU time (the event loop and SQLite's thread): what the page costs
                # whatever else the machine runs, where the wall time waits for a busy CPU too.
                cpu.append(time.process_time() - started)
                assert response.status == 200, (response.status, body[:200])
                return len(body)

            def note(size: int, cpu: list[float] = cpu) -> str:
                return f"{size:,} bytes of HTML; CPU {statistics.median(cpu) * 1000:.0f} ms"

            results.append(await timed(what, work, repeat, note))
            print(f"  {results[-1].what}: {results[-1].seconds * 1000:.0f} ms", flush=True)
    finally:
        await client.close()
        await dashboard.db.close()
    return results


def main(argv: list[str] | None = None) -> int:
    """Generate (or reuse) the data, measure, print the report."""
    parser = argparse.ArgumentParser(prog="python -m bench scale", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=list(SIZES), default="province", help="province (default) or city")
    parser.add_argument("--regenerate", action="store_true", help="write the database again")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the median counts")
    parser.add_argument("--plans", action="store_true", help="print the query plans of the slow queries")
    parser.add_argument("--no-baseline", action="store_true", help="skip the run without migration 0005")
    parser.add_argument(
        "--dashboard", action="store_true", help="time the dashboard's pages instead (server time per page)"
    )
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    print(f"{size.name}: {size.cells} cells, {size.people} people, {size.records} records", flush=True)
    path, info, fresh = cached(size, args.regenerate)
    print(f"  database {'written' if fresh else 'reused'}: {info.seconds:.0f} s to generate", flush=True)
    applied, migration_seconds = asyncio.run(migrate(path))
    if applied:
        print(f"  migrations applied now: {applied} in {migration_seconds:.1f} s", flush=True)
    info.migrations = _migration_hashes()
    (CACHE / "scale" / f"{size.name}.json").write_text(json.dumps(vars(info), indent=2))
    log = QueryLog() if args.plans else None
    if args.dashboard:
        results = asyncio.run(measure_dashboard(path, info, args.repeat))
    else:
        results = asyncio.run(measure(path, info, args.repeat, log))
    baseline: dict[str, Measured] = {}
    if NEW_INDEXES and not args.no_baseline and not args.dashboard:
        print("  baseline: the same without migration 0005's indexes...", flush=True)
        copy = without_new_indexes(path)
        baseline = {m.what: m for m in asyncio.run(measure(copy, info, args.repeat))}
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
    rows = []
    for m in results:
        base = baseline.get(m.what)
        rows.append(
            [
                m.what,
                f"{m.seconds * 1000:.0f}",
                f"{base.seconds * 1000:.0f}" if base else "-",
                f"{base.seconds / m.seconds:.1f}x" if base and m.seconds else "-",
                m.note,
            ]
        )
    records = info.rows.get("meetings", 0) + info.rows.get("activities", 0)
    text = "\n".join(
        [
            f"Scale, {size.name}: {size.cells:,} cells, {info.rows.get('people', 0):,} people, "
            f"{records:,} meeting and activity records, {info.rows.get('pipeline_steps', 0):,} steps",
            machine_line(),
            f"generated in {info.seconds:.0f} s ({'this run' if fresh else 'cached'}); database "
            f"{size_of(path) / 1024 / 1024:.0f} MiB"
            + (f"; migrations {', '.join(applied)} applied in {migration_seconds:.1f} s" if applied else ""),
            "",
            table(["work (median of runs)", "ms", "ms without 0005", "gain", "what"], rows),
        ]
    )
    print()
    print(text)
    if log is not None:
        print()
        print(plans(path, log))
    saved = save_result(
        f"scale-{size.name}{'-dashboard' if args.dashboard else ''}",
        {"report": text, "generated": vars(info), "results": [vars(m) for m in results]},
    )
    print(f"\n(saved to {saved})")
    return 0
