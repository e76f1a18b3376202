"""Scheduled work: reminders, nudges, the weekly digest and idle drafts, queued in the outbox.

Scheduled work is a query, then an outbox (DESIGN.md, principle 8). Each pass asks storage what is
due now and writes one outbox row per message under a unique key (recipient, kind, period), then
the outbox delivers and marks each row sent. A second pass in the same period, a restart or a crash
cannot queue a message twice; a pass missed while the bot was down runs at the next tick; delivery
resumes after the last part sent. Quiet hours hold every message until the morning.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from markupsafe import Markup

from bot import callbacks
from bot.clock import Clock
from bot.config import Settings
from bot.features import broadcast, digest_actions, enterprises, undelivered
from bot.features import digest as digests
from bot.features.access import is_configured_admin
from bot.features.calendar import load_calendar
from bot.features.dashboard import OPEN_DASHBOARD
from bot.features.dashboard import PATH as DASHBOARD
from bot.features.duties import Duty, open_duties
from bot.features.photos import PhotoKeeper
from bot.features.transfers import STEP_NAMES as TRANSFER_STEP_NAMES
from bot.features.transfers import STEP_OF_DEADLINE as TRANSFER_STEP_OF_DEADLINE
from bot.forms.fields import Form
from bot.i18n import N_
from bot.rules.calendar import WorkingCalendar, add_months, quarter_label, quarter_start
from bot.rules.deadlines import OVERDUE_KEY, WORKING_DAY_KINDS, Kind, pending_reminders
from bot.rules.meetings import thematic_asked, thematic_last_month
from bot.rules.pipeline import MENTOR_REMINDER_DAYS, STEP_NAMES, Step, probation_quarters
from bot.rules.regulations import PROBATION_MONTHS
from bot.scheduling.channel import Button, ButtonKind
from bot.scheduling.outbox import (
    Delivery,
    Outbox,
    in_quiet_hours,
    iso_week,
    local,
    translator_of,
    week_moment,
)
from storage import delivery, digest_queries, drafts, mentor, outbox, schedule, units, updates, uploads, users
from storage import enterprises as enterprise_register
from storage.database import Database
from storage.models import Role, Unit, User

log = logging.getLogger(__name__)

MENTOR_KIND = "mn"  # the button of a mentor-log reminder: person, quarter

QUIET_CELL_DAYS = 7
NAMED_ENTERPRISES = 5  # a working group nudge names at most this many enterprises of each list

# The form step that meets a deadline, for the button that opens /progress pre-filled.
STEP_OF_DEADLINE = {
    Kind.CEREMONY: Step.CEREMONY,
    Kind.RECOGNITION: Step.RECOGNITION,
    Kind.AWARENESS_EXPIRY: Step.CELL_VOTE,
}

REMINDER_TEXTS = {
    Kind.CEREMONY: N_("the admission ceremony of <b>{who}</b> must be held by {due}"),
    Kind.RECOGNITION: N_("the cell must consider recognising <b>{who}</b> as a full member by {due}"),
    Kind.AWARENESS_EXPIRY: N_(
        "the cell must consider the admission of <b>{who}</b> (vote) by {due} at the latest: the awareness "
        "class certificate is valid until then, after which the class must be taken again"
    ),
    Kind.OFFICIAL_TRANSFER: N_(
        "the introduction letter of <b>{who}</b> (official transfer out) is due by {due}"
    ),
    Kind.TRANSFER_RECEIPT: N_(
        "<b>{who}</b> must present the introduction letter to the new cell by {due}; record it once received"
    ),
    Kind.TRANSFER_ARRIVAL: N_(
        "<b>{who}</b> (official transfer in) must arrive and present the introduction letter by {due}"
    ),
    Kind.TEMPORARY_TRANSFER_END: N_(
        "the temporary transfer of <b>{who}</b> ends on {due}; record the return"
    ),
    Kind.PROBATION_END: N_("the probation of <b>{who}</b> ends on {due}"),
}

UNCONFIRMED_TET = N_(
    "🗓 Deadlines are now being counted through Tết {year}, whose days off nobody has confirmed: chibo "
    "counts {first} to {last} as the Tết break, an estimate. When the Government announces the schedule, "
    "check it with /calendar {year} and confirm it there (or correct it with /dayoff and /workday). "
    "I tell you this once."
)
THEMATIC_NUDGE = N_(
    "🗓 <b>{cell}</b> has held no thematic meeting in quarter {quarter} yet (at least one a quarter, "
    "besides the regular monthly meeting). If one took place, report it with /meeting."
)


class Scheduler:
    """Decides what is due and queues it: deadlines, meetings, nudges, digests, idle drafts."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Clock,
        box: Outbox,
        forms: Mapping[str, Form],
        *,
        photos: PhotoKeeper | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.outbox = box
        self.forms = forms  # the titles of the forms whose drafts it reminds of
        self.photos = photos  # whose files past their time it deletes every day

    def today(self) -> date:
        """Return today in the deployment's time zone."""
        return local(self.clock(), self.settings).date()

    async def tick(self) -> Delivery:
        """Run whatever is due (catching up missed runs), then deliver."""
        now = self.clock()
        today = self.today()
        if not in_quiet_hours(now, self.settings):
            if await self._period_open("daily", today.isoformat()):
                await self.daily_pass(today)
                if self.photos is not None:
                    await self.photos.sweep()
                async with self.db.transaction() as tx:
                    # A redelivery comes within minutes; a week of update ids is plenty to recognise it.
                    await updates.forget_before(tx, now - timedelta(days=7))
                    # A file sent for /import and never confirmed (the upload page on Zalo).
                    await uploads.drop_before(tx, now - timedelta(days=1))
                await self._close_period("daily", today.isoformat())
            week = iso_week(today)
            nudge_at = week_moment(
                today, self.settings.nudge_weekday, self.settings.nudge_time, self.settings
            )
            if await self._weekly_due("weekly", week, nudge_at):
                await self.weekly_nudges(today)
                await self.working_group_nudges(today)
                await self._close_period("weekly", week)
            digest_at = week_moment(
                today, self.settings.digest_weekday, self.settings.digest_time, self.settings
            )
            if await self._weekly_due("digest", week, digest_at):
                await self.digest_pass(today)
                await self._close_period("digest", week)
            if await self._weekly_due("delivery-report", week, digest_at):
                await self.delivery_report(today)
                await self._close_period("delivery-report", week)
        await self.draft_pass()
        delivery = await self.outbox.deliver()
        if await self.broadcast_reports():
            await self.outbox.deliver()
        return delivery

    async def broadcast_reports(self) -> int:
        """Tell each admin whose broadcast is through how many secretaries received it."""
        queued = 0
        for batch, report, count in await broadcast.completed(self.db):
            admin = await users.get(self.db, int(report["admin"]))
            async with self.db.transaction() as tx:
                await updates.kv_delete(tx, broadcast.KV_PREFIX + batch)
                if admin is None:
                    continue
                t = translator_of(admin, self.settings)
                text = Markup(
                    t(N_("📢 Your message to {unit} was delivered to {sent} of {total} secretaries."))
                ).format(unit=report["unit"], sent=t.number(count.sent), total=t.number(count.total))
                if count.failed:
                    text += Markup(" ") + Markup(
                        t(N_("{failed} could not be reached (they blocked the bot or left)."))
                    ).format(failed=t.number(count.failed))
                if count.held:
                    text += Markup(" ") + Markup(
                        t(
                            N_(
                                "{held} will get it when they next write to the bot "
                                "(Zalo would not deliver it to them now)."
                            )
                        )
                    ).format(held=t.number(count.held))
                if await self.outbox.enqueue(tx, f"broadcast-report:{batch}", admin, "report", str(text)):
                    queued += 1
        return queued

    async def delivery_report(self, today: date) -> int:
        """Tell the admins how many messages could not be delivered this week, and who still waits."""
        count = await delivery.week_count(self.db, self.clock() - timedelta(days=7))
        if not count.messages and not count.held:
            return 0
        week = iso_week(today)
        queued = 0
        for admin in await self._admins():
            t = translator_of(admin, self.settings)
            text = undelivered.report(count, t, self.settings.timezone)
            async with self.db.transaction() as tx:
                if await self.outbox.enqueue(tx, f"delivery-report:{admin.id}:{week}", admin, "report", text):
                    queued += 1
        return queued

    async def _admins(self) -> list[User]:
        """Return the admins who can be reached: invited ones and those of the configuration."""
        found = {u.id: u for u in await users.reachable(self.db, Role.ADMIN.value)}
        for channel, ids in (
            ("telegram", [str(i) for i in self.settings.admins]),
            ("zalo", self.settings.zalo_admins),
        ):
            for external_id in ids:
                user = await users.by_external(self.db, channel, external_id)
                if (
                    user is not None
                    and not user.blocked
                    and is_configured_admin(self.settings, channel, external_id)
                ):
                    found.setdefault(user.id, user)
        return list(found.values())

    async def _period_open(self, job: str, period: str) -> bool:
        """Tell whether a job still has to run for a period (a missed one is caught up)."""
        return await schedule.last_period(self.db, job) != period

    async def _weekly_due(self, job: str, week: str, moment: datetime) -> bool:
        """Tell whether a weekly job is due: its moment of this week has come and it has not run."""
        done = await schedule.last_period(self.db, job)
        if done is None:
            # First tick of a new deployment: a Wednesday start waits for next week's run instead of
            # sending this week's at once; a start before the moment runs it at the moment.
            await self._close_period(job, week if self.clock() >= moment else "")
            return False
        return self.clock() >= moment and done != week

    async def _close_period(self, job: str, period: str) -> None:
        async with self.db.transaction() as tx:
            await schedule.close_period(tx, job, period, self.clock())

    # ----- deadlines and meetings (daily) ------------------------------------------------------------

    async def daily_pass(self, today: date) -> int:
        """Queue the deadline reminders, the meeting reminders and nudges, and the mentor log's reminders
        of today."""
        return (
            await self.deadline_reminders(today)
            + await self.meeting_reminders(today)
            + await self.mentor_reminders(today)
        )

    async def mentor_reminders(self, today: date) -> int:
        """Queue, in the last week of each quarter of a probation, a reminder to the cell's secretaries
        when that quarter has no mentor note yet (once per person and quarter)."""
        # Probations under way: ceremonies of the last 12 months, and a week for a month's short end.
        first = add_months(today, -PROBATION_MONTHS) - timedelta(days=MENTOR_REMINDER_DAYS)
        members = await mentor.on_probation(self.db, first, today)
        due = [
            (member, quarter)
            for member in members
            for quarter in probation_quarters(member.ceremony)
            if quarter.last_week(today) and quarter.number not in member.noted
        ]
        if not due:
            return 0
        cells = sorted({member.unit_id for member, _ in due})
        by_cell: dict[int | None, list[User]] = {}
        for secretary in await users.reachable(self.db, Role.SECRETARY.value, cells):
            by_cell.setdefault(secretary.unit_id, []).append(secretary)
        messages = []
        for member, quarter in due:
            for user in by_cell.get(member.unit_id, []):
                t = translator_of(user, self.settings)
                text = Markup(
                    t(
                        N_(
                            "📝 Quarter {n} of the probation of <b>{name}</b> ends on {end}, and the cell "
                            "has no note on it yet: how did they progress? A few lines (at most 500 "
                            "characters)."
                        )
                    )
                ).format(n=quarter.number, name=member.full_name, end=t.date(quarter.end))
                label = t(N_("📝 Write the quarter's note"))
                button = callbacks.encode(MENTOR_KIND, member.person_id, quarter.number)
                messages.append(
                    outbox.NewMessage(
                        f"mentor:{user.id}:{member.person_id}:{quarter.number}",
                        user.id,
                        "mentor",
                        str(text),
                        buttons=[[(label, button)]],
                        unit_id=member.unit_id,
                    )
                )
        async with self.db.transaction() as tx:
            return await self.outbox.enqueue_many(tx, messages)

    async def deadline_reminders(self, today: date) -> int:
        """Queue each secretary the latest reminder of each deadline of their cell not yet sent."""
        calendar = await load_calendar(self.db, culture_day_off=self.settings.culture_day_off)
        offsets = self.settings.reminder_offsets
        secretaries = await users.reachable(self.db, Role.SECRETARY.value)
        by_cell: dict[int, list[User]] = {}
        for secretary in secretaries:
            if secretary.unit_id is not None:
                by_cell.setdefault(secretary.unit_id, []).append(secretary)
        if not by_cell:
            return 0
        # A month of overdue notices to catch up on; each deadline gets its "overdue" once.
        duties = await open_duties(
            self.db,
            list(by_cell),
            today,
            calendar,
            soon_days=max(offsets, default=0),
            overdue_days=30,
            transfer_overdue_days=30,
        )
        sent = await self._sent_reminders()
        messages = []
        for duty in duties:
            for secretary in by_cell.get(duty.unit_id, []):
                series = self._series(secretary, duty)
                for key in pending_reminders(duty.deadline, today, offsets, sent.get(series, set())):
                    text, buttons = self._reminder(secretary, duty, today, key)
                    messages.append(
                        outbox.NewMessage(
                            f"{series}:{key}",
                            secretary.id,
                            "deadline",
                            text,
                            buttons=buttons,
                            unit_id=duty.unit_id,
                        )
                    )
        messages += await self._unconfirmed_tet(duties, calendar)
        async with self.db.transaction() as tx:
            # One statement: a city's first pass queues some 15,000 reminders.
            return await self.outbox.enqueue_many(tx, messages)

    async def _unconfirmed_tet(
        self, duties: list[Duty], calendar: WorkingCalendar
    ) -> list[outbox.NewMessage]:
        """Tell each admin once a year when a deadline is counted through a Tết nobody has confirmed."""
        years: set[int] = set()
        for duty in duties:
            deadline = duty.deadline
            if deadline.kind in WORKING_DAY_KINDS:
                years.update(calendar.unconfirmed_tet_years(deadline.counts_from, deadline.due))
        if not years:
            return []
        messages = []
        for admin in await self._admins():
            t = translator_of(admin, self.settings)
            for year in sorted(years):
                first, last = calendar.tet(year)
                text = Markup(t(UNCONFIRMED_TET)).format(year=year, first=t.date(first), last=t.date(last))
                messages.append(
                    outbox.NewMessage(
                        f"calendar-unconfirmed:{admin.id}:{year}", admin.id, "calendar", str(text)
                    )
                )
        return messages

    def _series(self, user: User, duty: Duty) -> str:
        subject = f"p{duty.person_id}" if duty.person_id is not None else f"t{duty.unit_id}:{duty.who}"
        # The due date is in the series: a deadline that moves starts its reminders again.
        return f"deadline:{user.id}:{subject}:{duty.deadline.kind.value}:{duty.deadline.due.isoformat()}"

    async def _sent_reminders(self) -> dict[str, set[str]]:
        sent: dict[str, set[str]] = {}
        for queued in await outbox.keys_of_kind(self.db, "deadline"):
            series, _, key = queued.rpartition(":")
            sent.setdefault(series, set()).add(key)
        return sent

    def _reminder(
        self, user: User, duty: Duty, today: date, key: str
    ) -> tuple[str, list[list[tuple[str, str]]] | None]:
        t = translator_of(user, self.settings)
        what = Markup(t(REMINDER_TEXTS[duty.deadline.kind])).format(
            who=duty.who, due=t.date(duty.deadline.due)
        )
        left = duty.deadline.days_left(today)
        if key == OVERDUE_KEY:
            when = Markup(t(N_("⚠️ Overdue:")))
        elif left == 0:
            when = Markup(t(N_("⏰ Today:")))
        else:
            when = Markup(t(N_("⏰ In {days} days:"))).format(days=left)
        text = when + Markup(" ") + what + Markup(".")
        if duty.transfer_id is not None:
            transfer_step = TRANSFER_STEP_OF_DEADLINE.get(duty.deadline.kind)
            if transfer_step is None:
                return str(text), None
            label = t(N_("Record: {step}")).format(step=t(TRANSFER_STEP_NAMES[transfer_step]))
            return str(text), [[(label, callbacks.encode("tf", duty.transfer_id, transfer_step.value))]]
        step = STEP_OF_DEADLINE.get(duty.deadline.kind)
        if duty.person_id is None or step is None:
            return str(text), None
        label = t(N_("Record: {step}")).format(step=t(STEP_NAMES[step]))
        return str(text), [[(label, callbacks.encode("pf", duty.person_id, step.value))]]

    async def meeting_reminders(self, today: date) -> int:
        """Queue the reminder the working day before each cell's meeting, and the nudge 3 days after."""
        calendar = await load_calendar(self.db, culture_day_off=self.settings.culture_day_off)
        secretaries = await users.reachable(self.db, Role.SECRETARY.value)
        month = f"{today:%Y-%m}"
        cells = await units.cells(self.db)
        # The meetings of this month, from the counts kept on write (migration 0006).
        not_met = await digest_queries.cells_without_meeting(self.db, [c.id for c in cells], today)
        # By cell once: a list scan per cell took 8 s for a city of 10,000 cells (bench/scale).
        by_cell: dict[int | None, list[User]] = {}
        for secretary in secretaries:
            by_cell.setdefault(secretary.unit_id, []).append(secretary)
        messages: list[outbox.NewMessage] = []
        for cell in cells:
            recipients = by_cell.get(cell.id, [])
            meeting = today.replace(day=cell.meeting_day)
            # From the working day before until the day itself (a tick missed on that day catches up).
            if calendar.previous_working_day(meeting) <= today < meeting:
                messages += [self._meeting_reminder(user, cell, meeting, month) for user in recipients]
            # A cell set up after this month's meeting day is not nudged about it.
            existed = cell.created_at is None or local(cell.created_at, self.settings).date() <= meeting
            if today >= meeting + timedelta(days=3) and cell.id in not_met and existed:
                nudged = [user for user in recipients if not user.mute_nudges]
                messages += [self._meeting_nudge(user, cell, today, month) for user in nudged]
        messages += await self._thematic_nudges(today, cells, by_cell)
        async with self.db.transaction() as tx:
            # One statement: a city's cells are nudged on the same few days (10,000 messages).
            return await self.outbox.enqueue_many(tx, messages)

    async def _thematic_nudges(
        self, today: date, cells: list[Unit], by_cell: Mapping[int | None, list[User]]
    ) -> list[outbox.NewMessage]:
        """In the last month of a quarter, nudge the cells that held no thematic meeting in it yet (at least
        one a quarter: Charter Điều 24 and HD 42-HD/BTCTW)."""
        first = quarter_start(today)
        if today < thematic_last_month(first):
            return []
        # A cell set up during the quarter's last month is not asked about the quarter.
        existing = [
            c
            for c in cells
            if thematic_asked(first, local(c.created_at, self.settings).date() if c.created_at else None)
        ]
        lacking = await digest_queries.cells_without_meeting(
            self.db, [c.id for c in existing], first, today, kinds=digest_queries.THEMATIC_MEETING_KINDS
        )
        quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
        messages = []
        for cell in existing:
            if cell.id not in lacking:
                continue
            for user in by_cell.get(cell.id, []):
                if user.mute_nudges:
                    continue
                t = translator_of(user, self.settings)
                text = Markup(t(THEMATIC_NUDGE)).format(cell=cell.name, quarter=quarter_label(today))
                messages.append(
                    outbox.NewMessage(f"thematic:{user.id}:{cell.id}:{quarter}", user.id, "nudge", str(text))
                )
        return messages

    def _meeting_reminder(self, user: User, cell: Unit, meeting: date, month: str) -> outbox.NewMessage:
        t = translator_of(user, self.settings)
        text = Markup(
            t(
                N_(
                    "📅 The regular meeting of <b>{cell}</b> is on {date}. "
                    "Send the documents out at least a day "
                    "before; after the meeting, report it with /meeting."
                )
            )
        ).format(cell=cell.name, date=t.date(meeting))
        return outbox.NewMessage(
            f"meeting:{user.id}:{cell.id}:{month}", user.id, "meeting", str(text), unit_id=cell.id
        )

    def _meeting_nudge(self, user: User, cell: Unit, today: date, month: str) -> outbox.NewMessage:
        t = translator_of(user, self.settings)
        text = Markup(
            t(
                N_(
                    "No regular meeting of <b>{cell}</b> has been reported for {month} yet (a thematic "
                    "meeting on its own does not replace it). If it took place, report it with /meeting."
                )
            )
        ).format(cell=cell.name, month=f"{today:%m/%Y}")
        # The button opens /meeting, whose answers that rarely change come from last month's report.
        button = [[(t(N_("Report the meeting")), callbacks.encode("r", "meeting"))]]
        return outbox.NewMessage(
            f"meeting-nudge:{user.id}:{cell.id}:{month}",
            user.id,
            "nudge",
            str(text),
            buttons=button,
            unit_id=cell.id,
        )

    # ----- weekly -----------------------------------------------------------------------------------

    async def weekly_nudges(self, today: date) -> int:
        """Queue a nudge to each secretary whose cell recorded nothing in the last 7 days."""
        since = self.clock() - timedelta(days=QUIET_CELL_DAYS)
        cells = await units.cells(self.db)
        last = await digest_queries.last_record_at(self.db, [c.id for c in cells])
        quiet = {c.id for c in cells if c.id not in last or last[c.id] < since}
        week = iso_week(today)
        messages = []
        for user in await users.reachable(self.db, Role.SECRETARY.value):
            if user.unit_id not in quiet or user.mute_nudges:
                continue
            t = translator_of(user, self.settings)
            text = t(
                N_(
                    "Nothing has been recorded for your cell in the last 7 days. Anything to report this "
                    "week? /report (You can mute these nudges in /settings.)"
                )
            )
            messages.append(
                outbox.NewMessage(f"weekly:{user.id}:{week}", user.id, "nudge", text, unit_id=user.unit_id)
            )
        async with self.db.transaction() as tx:
            # One statement: a city has 10,000 secretaries.
            return await self.outbox.enqueue_many(tx, messages)

    async def working_group_nudges(self, today: date) -> int:
        """Queue each working group member the enterprises of theirs due a contact or able to found a cell."""
        week = iso_week(today)
        messages = []
        for user_id in await enterprise_register.assignees(self.db):
            user = await users.get(self.db, user_id)
            if user is None or user.mute_nudges:
                continue
            work = await enterprises.worklist(self.db, user.id, today, self.settings.contact_days)
            if work.empty:
                continue
            text, buttons = self._working_group_nudge(user, work)
            messages.append(outbox.NewMessage(f"workgroup:{user.id}:{week}", user.id, "nudge", text, buttons))
        async with self.db.transaction() as tx:
            return await self.outbox.enqueue_many(tx, messages)

    def _working_group_nudge(
        self, user: User, work: enterprises.WorkList
    ) -> tuple[str, list[list[tuple[str, str]]]]:
        t = translator_of(user, self.settings)
        lines = [Markup(t(N_("🗂 <b>Working group</b>: your enterprises this week.")))]
        if work.due:
            names = ", ".join(e.name for e in work.due[:NAMED_ENTERPRISES])
            more = len(work.due) - NAMED_ENTERPRISES
            lines.append(
                Markup(t(N_("⏰ Not contacted for {days} days or more: {names}"))).format(
                    days=work.days, names=names
                )
                + (Markup(t(N_(" (and {n} more)"))).format(n=more) if more > 0 else Markup(""))
            )
        if work.could_found:
            lines.append(
                Markup(t(N_("⭐ Could found a party cell now: {names}"))).format(
                    names=", ".join(e.name for e in work.could_found[:NAMED_ENTERPRISES])
                )
            )
        lines.append(Markup(t(N_("Log a contact with /contact."))))
        label = t(N_("Your enterprises"))
        return str(Markup("\n").join(lines)), [[(label, "v1:en:m")]]

    async def digest_pass(
        self, today: date, *, only: User | None = None, key_suffix: str | None = None
    ) -> int:
        """Queue the weekly digest to every committee member (or to one user now): what needs action
        with its buttons, then the figures, then the chart, as three messages in that order."""
        recipients = [only] if only is not None else await users.reachable(self.db, Role.COMMITTEE.value)
        calendar = await load_calendar(self.db, culture_day_off=self.settings.culture_day_off)
        computed: dict[int, tuple[digests.Digest, str | None]] = {}
        rendered: dict[tuple[int, str], tuple[str, str, bytes, list[list[Button]]]] = {}
        queued = 0
        week = iso_week(today)
        for user in recipients:
            unit_id = user.unit_id or units.ROOT_ID
            if unit_id not in computed:
                digest = await digests.compute(
                    self.db,
                    unit_id,
                    today,
                    calendar,
                    zone=self.settings.timezone,
                    contact_days=self.settings.contact_days,
                )
                # One list per unit and pass behind the buttons of everyone who gets this digest.
                computed[unit_id] = (digest, await digest_actions.keep_lists(self.db, digest, self.clock()))
            digest, token = computed[unit_id]
            t = translator_of(user, self.settings)
            if (unit_id, t.locale) not in rendered:
                png = await asyncio.to_thread(digests.chart, digest, t)
                rendered[(unit_id, t.locale)] = (
                    digests.render_actions(digest, t),
                    digests.render_figures(digest, t),
                    png,
                    # The dashboard's button: each channel makes its link when it delivers (none
                    # without an address).
                    digest_actions.buttons(
                        t, digest, token, dashboard=Button(t(OPEN_DASHBOARD), DASHBOARD, ButtonKind.WEB_APP)
                    ),
                )
            actions, figures, png, buttons = rendered[(unit_id, t.locale)]
            caption = str(Markup(t(N_("Weekly digest: {unit}"))).format(unit=digest.unit_name))
            # A working group member's own enterprises close what needs action (it is theirs to act on).
            work = await enterprises.worklist(self.db, user.id, today, self.settings.contact_days)
            actions = "\n".join([actions, *digests.working_group_lines(work, t)])
            key = f"digest:{user.id}:{key_suffix or week}"
            async with self.db.transaction() as tx:
                # In one transaction: all three or none; delivered in the order queued.
                if await self.outbox.enqueue(
                    tx, key, user, "digest", actions, buttons=buttons, unit_id=unit_id
                ):
                    queued += 1
                    await self.outbox.enqueue(tx, f"{key}:figures", user, "digest", figures, unit_id=unit_id)
                    await self.outbox.enqueue(
                        tx, f"{key}:chart", user, "digest", "", photo=png, caption=caption, unit_id=unit_id
                    )
        return queued

    # ----- drafts -----------------------------------------------------------------------------------

    async def draft_pass(self) -> int:
        """Remind once of a draft left idle, and drop it (telling the user) when it expires."""
        ttl = timedelta(hours=self.settings.draft_ttl_hours)
        now = self.clock()
        remind, expire = await drafts.idle(self.db, now, ttl)
        queued = 0
        for draft in remind:
            user = await users.get(self.db, draft.user_id)
            if user is None:
                continue
            t = translator_of(user, self.settings)
            title = t(self.forms[draft.form].title) if draft.form in self.forms else draft.form
            ends = local(draft.updated_at + ttl, self.settings)
            text = Markup(
                t(
                    N_(
                        "Your form <b>{title}</b> is not finished. "
                        "It will be dropped at {time} if left as it is: "
                        "send your next answer to go on, or /cancel."
                    )
                )
            ).format(title=title, time=t.datetime(ends))
            async with self.db.transaction() as tx:
                if await drafts.mark_reminded(tx, draft.id, now):
                    await self.outbox.enqueue(
                        tx, f"draft-remind:{draft.id}", user, "draft", str(text), unit_id=draft.unit_id
                    )
                    queued += 1
        for draft in expire:
            user = await users.get(self.db, draft.user_id)
            async with self.db.transaction() as tx:
                if not await drafts.close(tx, draft.id, "expired", now) or user is None:
                    continue
                t = translator_of(user, self.settings)
                title = t(self.forms[draft.form].title) if draft.form in self.forms else draft.form
                text = Markup(
                    t(
                        N_(
                            "Your unfinished form <b>{title}</b> was dropped "
                            "after {hours} hours without an answer. "
                            "Start again with /report when you are ready."
                        )
                    )
                ).format(title=title, hours=self.settings.draft_ttl_hours)
                await self.outbox.enqueue(tx, f"draft-expired:{draft.id}", user, "draft", str(text))
                queued += 1
        return queued
