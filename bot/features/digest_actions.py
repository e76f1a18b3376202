"""What a committee member does from the digest: the buttons under "Needs action" (nudge the cells that
have not reported, look into one cell, and later open the dashboard), one cell's page, and the lists
behind the buttons.

A button's callback data holds 64 bytes, so the digest keeps its lists on the server (storage/
action_lists.py) under an 8-character token; a button carries the token. The nudge goes through the
outbox under one key per cell, secretary and day, so a second press (or a second committee member's
press the same day) queues nothing twice; a cell that reported meanwhile (its regular meeting of the
digest's month, or any record since the digest was made) is left out, and the press is answered with
the counts. Who may press: whoever may review the digest's unit (bot/features/review.may_review).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from markupsafe import Markup

from bot import callbacks
from bot.features import digest as digests
from bot.features import mine
from bot.features.calendar import load_calendar
from bot.features.review import ReviewAction, may_review
from bot.features.review import button as review_button
from bot.forms.fields import FormContext, search
from bot.i18n import N_, Translator, translator
from bot.rules.calendar import quarter_label
from bot.rules.meetings import quarter_end, thematic_followed
from bot.scheduling.channel import Button
from bot.scheduling.outbox import Outbox
from bot.text import short_unit_name
from storage import action_lists, digest_queries, records, reviews, units, users
from storage import outbox as outbox_store
from storage.database import Database, Queryable
from storage.models import Role, User

KIND = "dg"  # the callback kind of the digest's buttons
CELL_KIND = "cl"  # one cell's page: cell id, page of its records
LIST_DAYS = 35  # a digest's buttons work this long (five weekly digests)
CELLS_PER_PAGE = 8
RECORDS_PER_PAGE = 5
OLD_BUTTON = N_("This button is no longer active. Please start again.")
NUDGE_TEXTS = {
    digests.NUDGE_MEETING: N_(
        "• No regular meeting of the cell has been reported for {month}. "
        "If it took place, report it with /meeting."
    ),
    digests.NUDGE_SILENT: N_(
        "• Nothing has been recorded for the cell in 30 days. Anything to report? /report"
    ),
    digests.NUDGE_THEMATIC: N_(
        "• No meeting with a thematic part has been reported for quarter {quarter} (at least one a "
        "quarter). If it took place, report it with /meeting."
    ),
}


class DigestAction(StrEnum):
    """What a button under the digest does. The values are the one-letter codes on the wire."""

    NUDGE = "n"  # nudge the cells that have not reported (token)
    CELLS = "c"  # the cells needing action, to open one (token, page)

    @classmethod
    def parse(cls, code: str) -> DigestAction | None:
        """Return the action of a code, or None for one this version does not know."""
        try:
            return cls(code)
        except ValueError:
            return None


def cell_button(label: str, cell_id: int, page: int = 0) -> tuple[str, str]:
    """Return the button that opens one cell's page."""
    return label, callbacks.encode(CELL_KIND, cell_id, page)


# ----- the lists and the buttons --------------------------------------------------------------------


async def keep_lists(db: Database, digest: digests.Digest, now: datetime) -> str | None:
    """Keep the cells behind a digest's buttons and return their token (None: nothing to act on)."""
    cells = [c.id for c in digest.action_cells()]
    if not cells:
        return None
    token = secrets.token_urlsafe(6)  # 8 characters, 48 random bits
    nudge = sorted(digest.to_nudge().items())
    async with db.transaction() as tx:
        await action_lists.forget_before(tx, now - timedelta(days=LIST_DAYS))
        await action_lists.add(
            tx, token, digest.unit_id, digest.today, [(c, w) for c, w in nudge], cells, now
        )
    return token


def buttons(
    t: Translator, digest: digests.Digest, token: str | None, dashboard: Button | None = None
) -> list[list[Button]]:
    """Return the buttons under "Needs action": nudge the cells that have not reported, open a cell,
    and the dashboard's (bot/features/dashboard.py) when the channel can open it."""
    rows: list[list[Button]] = []
    if token is not None:
        waiting = len(digest.to_nudge())
        if waiting:
            label = t(N_("📣 Nudge the {n} cells that have not reported")).format(n=t.number(waiting))
            rows.append([Button(label, callbacks.encode(KIND, DigestAction.NUDGE.value, token))])
        rows.append(
            [Button(t(N_("🔎 Look into a cell")), callbacks.encode(KIND, DigestAction.CELLS.value, token, 0))]
        )
    if dashboard is not None:
        rows.append([dashboard])
    return rows


async def list_for(
    db: Queryable, user: User, role: Role | None, token: str
) -> action_lists.ActionList | None:
    """Return the lists behind a button, when they still exist and the user may act on their unit;
    its cells to look into are those still under the unit (a cell moved away since is another's)."""
    kept = await action_lists.get(db, token)
    if kept is None or not await may_review(db, user, role, kept.unit_id):
        return None
    inside = set(await units.subtree_ids(db, kept.unit_id))
    return replace(kept, cells=tuple(c for c in kept.cells if c in inside))


# ----- the nudge ------------------------------------------------------------------------------------


@dataclass
class NudgeReport:
    """What a press of the nudge button did."""

    nudged: list[str] = field(default_factory=list)  # cells nudged now
    messages: int = 0
    reported: list[str] = field(default_factory=list)  # reported meanwhile: not nudged
    already: list[str] = field(default_factory=list)  # nudged earlier today
    unreachable: list[str] = field(default_factory=list)  # no secretary on chibo
    moved: list[str] = field(default_factory=list)  # moved to another committee since: not ours to nudge


async def nudge(
    db: Database,
    box: Outbox,
    user: User,
    kept: action_lists.ActionList,
    today: date,
    locale: str,
) -> NudgeReport:
    """Nudge each cell of the list that still has not reported, once a day, through the outbox."""
    report = NudgeReport()
    why = dict(kept.nudge)
    if not why:
        return report
    inside = set(await units.subtree_ids(db, kept.unit_id))
    names = await units.names(db, list(why))
    # A cell moved under another committee since the digest (or merged away) is that committee's now.
    report.moved = [short_unit_name(names[c]) for c in why if c not in inside and c in names]
    ids = [c for c in why if c in inside]
    still_unmet = await digest_queries.cells_without_meeting(
        db,
        [c for c in ids if digests.NUDGE_MEETING in why[c]],
        kept.day,
        kinds=digest_queries.REGULAR_MEETING_KINDS,
    )
    quarter = thematic_followed(kept.day)
    still_no_thematic = (
        await digest_queries.cells_without_meeting(
            db,
            [c for c in ids if digests.NUDGE_THEMATIC in why[c]],
            quarter,
            quarter_end(quarter),
            kinds=digest_queries.THEMATIC_MEETING_KINDS,
        )
        if quarter is not None
        else set()
    )
    latest = await digest_queries.last_record_at(db, ids)
    secretaries: dict[int, list[User]] = {}
    for secretary in await users.reachable(db, Role.SECRETARY.value, ids):
        secretaries.setdefault(secretary.unit_id or 0, []).append(secretary)
    sender = await _sender(db, user)
    messages: list[outbox_store.NewMessage] = []
    planned: dict[int, list[str]] = {}
    for cell in ids:
        name = short_unit_name(names.get(cell, ""))
        left = [
            reason
            for reason in why[cell]
            if (reason == digests.NUDGE_MEETING and cell in still_unmet)
            or (reason == digests.NUDGE_SILENT and (cell not in latest or latest[cell] < kept.created_at))
            or (reason == digests.NUDGE_THEMATIC and cell in still_no_thematic)
        ]
        if not left:
            report.reported.append(name)
            continue
        if not secretaries.get(cell):
            report.unreachable.append(name)
            continue
        planned[cell] = []
        for secretary in secretaries[cell]:
            key = f"committee-nudge:{cell}:{secretary.id}:{today.isoformat()}"
            planned[cell].append(key)
            t = translator(secretary.language or locale)
            text = _nudge_text(t, sender, names.get(cell, ""), left, kept.day)
            messages.append(outbox_store.NewMessage(key, secretary.id, "nudge", text, unit_id=cell))
    before = await outbox_store.queued_keys(db, [m.key for m in messages])
    async with db.transaction() as tx:
        report.messages = await box.enqueue_many(tx, messages)
    for cell, keys in planned.items():
        name = short_unit_name(names.get(cell, ""))
        (report.already if all(k in before for k in keys) else report.nudged).append(name)
    return report


async def _sender(db: Queryable, user: User) -> str:
    """Return how a committee member is named to a cell: their name and their committee."""
    unit = await units.get(db, user.unit_id) if user.unit_id is not None else None
    return f"{user.display_name} ({unit.name})" if unit is not None else user.display_name


def _nudge_text(t: Translator, sender: str, cell: str, reasons: list[str], day: date) -> str:
    lines = [Markup(t(N_("📣 <b>{sender}</b> asks about <b>{cell}</b>:"))).format(sender=sender, cell=cell)]
    followed = thematic_followed(day)
    quarter = quarter_label(followed) if followed is not None else ""
    month = f"{day.month:02d}/{day.year}"
    lines += [Markup(t(NUDGE_TEXTS[r])).format(month=month, quarter=quarter) for r in reasons]
    return str(Markup("\n").join(lines))


def render_report(t: Translator, report: NudgeReport) -> str:
    """Return the answer to a press of the nudge button: the counts, and the cells by name."""

    def names(cells: list[str]) -> str:
        return ", ".join(cells[: digests.CELLS_LISTED]) + (" …" if len(cells) > digests.CELLS_LISTED else "")

    lines = [
        Markup(t(N_("📣 Nudged: <b>{n}</b> cells ({messages} messages to their secretaries)."))).format(
            n=t.number(len(report.nudged)), messages=t.number(report.messages)
        )
    ]
    if report.nudged:
        lines.append(Markup("• {}").format(names(report.nudged)))
    for cells, message in (
        (report.already, N_("Nudged earlier today, not again: {n}")),
        (report.reported, N_("Reported since the digest, not nudged: {n}")),
        (report.unreachable, N_("No secretary of theirs is on chibo yet (call them): {n}")),
        (report.moved, N_("Moved to another committee since the digest, not nudged: {n}")),
    ):
        if cells:
            lines.append(Markup(t(message)).format(n=t.number(len(cells))))
            lines.append(Markup("• {}").format(names(cells)))
    return str(Markup("\n").join(lines))


# ----- the cells to look into ------------------------------------------------------------------------


def cells_page(
    t: Translator, kept: action_lists.ActionList, names: dict[int, str], page: int
) -> tuple[str, list[list[tuple[str, str]]]]:
    """Return a page of the cells a digest named, each a button opening its page."""
    cells = [c for c in kept.cells if c in names]
    pages = max(1, -(-len(cells) // CELLS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = cells[page * CELLS_PER_PAGE : (page + 1) * CELLS_PER_PAGE]
    text = Markup(t(N_("Which cell? ({n} need action; page {page} of {pages})"))).format(
        n=t.number(len(cells)), page=page + 1, pages=pages
    )
    rows = [
        [cell_button(f"{i}. {short_unit_name(names[c])}", c)]
        for i, c in enumerate(shown, page * CELLS_PER_PAGE + 1)
    ]
    nav = []
    if page > 0:
        nav.append(
            (t(N_("◀ Previous")), callbacks.encode(KIND, DigestAction.CELLS.value, kept.token, page - 1))
        )
    if page < pages - 1:
        nav.append((t(N_("Next ▶")), callbacks.encode(KIND, DigestAction.CELLS.value, kept.token, page + 1)))
    if nav:
        rows.append(nav)
    return str(text), rows


async def cell_page(ctx: FormContext, cell_id: int, page: int) -> tuple[str, list[list[tuple[str, str]]]]:
    """Return one cell as a committee member looks into it: what needs action there (deadlines with
    their people, this month's meeting, the last record, records sent back), then its records, newest
    first, each a button that opens it (and from there, sends it back)."""
    t = ctx.t
    cell = await units.get(ctx.db, cell_id)
    assert cell is not None
    d = await digests.compute(ctx.db, cell_id, ctx.today, await load_calendar(ctx.db), zone=ctx.tz)
    lines = [Markup("<b>{}</b>").format(cell.name)]
    for deadlines in d.deadlines:
        lines.append(
            Markup(t(N_("Deadlines: {overdue} overdue, {soon} due in the next 30 days"))).format(
                overdue=t.number(deadlines.overdue), soon=t.number(deadlines.due_soon)
            )
        )
        lines += [Markup(line) for line in digests.due_item_lines(t, deadlines.items)]
    if not d.deadlines:
        lines.append(Markup(t(N_("No deadline overdue or due in the next 30 days."))))
    month = f"{ctx.today.month:02d}/{ctx.today.year}"
    if d.meeting_due:
        lines.append(
            Markup(t(N_("📅 No regular meeting recorded for {month}; its day ({day}) has passed."))).format(
                month=month, day=cell.meeting_day
            )
        )
    last = (await digest_queries.last_record_at(ctx.db, [cell_id])).get(cell_id)
    if last is None:
        lines.append(Markup(t(N_("🕘 Nothing recorded yet."))))
    else:
        lines.append(
            Markup(t(N_("🕘 Last record entered on {date}."))).format(
                date=t.date(last.astimezone(ctx.tz).date())
            )
        )
    waiting = await reviews.open_of_unit(ctx.db, cell_id)
    if waiting:
        lines.append(
            Markup(t(N_("↩️ Records sent back, not corrected yet: <b>{n}</b>"))).format(
                n=t.number(len(waiting))
            )
        )
    total = await records.count_of_unit(ctx.db, cell_id)
    pages = max(1, -(-total // RECORDS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    items = await records.recent_of_unit(ctx.db, cell_id, RECORDS_PER_PAGE, page * RECORDS_PER_PAGE)
    rows: list[list[tuple[str, str]]] = []
    if items:
        lines += [
            Markup(""),
            Markup(t(N_("<b>Its records</b>, the last entered first (page {page} of {pages}):"))).format(
                page=page + 1, pages=pages
            ),
        ]
        returned = {(r.kind, r.record_id) for r in waiting}
        for index, record in enumerate(items, page * RECORDS_PER_PAGE + 1):
            mark = "↩️ " if (record.kind, record.id) in returned else ""
            headline = await mine.headline(ctx, record)
            lines.append(Markup("{i}. {mark}{line}").format(i=index, mark=mark, line=headline))
            rows.append(
                [
                    review_button(
                        f"{index}. {mark}{_short(headline)}", ReviewAction.OPEN, record.kind, record.id
                    )
                ]
            )
        nav = []
        if page > 0:
            nav.append(cell_button(t(N_("◀ Previous")), cell_id, page - 1))
        if page < pages - 1:
            nav.append(cell_button(t(N_("Next ▶")), cell_id, page + 1))
        if nav:
            rows.append(nav)
    else:
        lines.append(Markup(t(N_("The cell has no records yet."))))
    return str(Markup("\n").join(lines)), rows


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def cells_of(db: Queryable, user: User, role: Role | None, query: str) -> list[tuple[int, str]]:
    """Return the cells a committee member (or an admin) may look into, matching a search, by name."""
    if role is not Role.ADMIN and (role is not Role.COMMITTEE or user.unit_id is None):
        return []
    top = units.ROOT_ID if role is Role.ADMIN else user.unit_id
    assert top is not None
    found = [(u.id, u.name) for u in await digest_queries.subtree(db, top) if u.is_cell]
    if query.strip():
        kept = {v for v, _ in search(query, [(str(i), n) for i, n in found])}
        found = [(i, n) for i, n in found if str(i) in kept]
    return found
