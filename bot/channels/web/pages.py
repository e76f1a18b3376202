"""The dashboard's HTML, written on the server: the table, a cell's page, the deadlines, the charts.

Every value goes in through markupsafe (`Markup(...).format(...)` escapes it) and every word through
the catalogs. Links are relative query strings (`?view=cell&unit=12`), so the same HTML works under
a Zalo link's path and inside the Telegram Mini App, whose script (static/dashboard.js) follows them
with the initData. Nothing here runs a script or sets a style attribute: the Content-Security-Policy
allows only the package's own script and style sheet. Charts are SVG drawn here, with presentation
attributes only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from urllib.parse import urlencode

from markupsafe import Markup, escape

from bot.features import dashboard as d
from bot.features import review
from bot.features.digest import DEADLINE_NAMES
from bot.forms.definitions import ACTIVITY_KINDS, MEETING_KINDS
from bot.i18n import N_, Translator
from bot.rules.deadlines import State
from bot.rules.pipeline import STEP_NAMES, Step
from bot.text import short_unit_name
from storage import reviews
from storage.dashboard import RecordLine, ReturnLine, ScopeUnit

PERIOD_NAMES = {
    d.PeriodKind.WEEK: N_("This week"),
    d.PeriodKind.MONTH: N_("This month"),
    d.PeriodKind.QUARTER: N_("This quarter"),
    d.PeriodKind.YEAR: N_("This year"),
    d.PeriodKind.RANGE: N_("Dates from … to …"),
}
RECORD_KINDS = {
    "meeting": N_("Meeting"),
    "activity": N_("Activity"),
    "step": N_("Admission step"),
    "transfer": N_("Transfer"),
    "enterprise": N_("Enterprise report"),
    "person": N_("Source (person)"),
    "mentor": N_("Mentor note"),
}
TRANSFER_NAMES = {
    "official:in": N_("official transfer in"),
    "official:out": N_("official transfer out"),
    "temporary:in": N_("temporary transfer in"),
    "temporary:out": N_("temporary transfer out"),
}
_MEETING_LABELS = {c.value: c.label for c in MEETING_KINDS}
_ACTIVITY_LABELS = {c.value: c.label for c in ACTIVITY_KINDS}
_STEPS = {s.value: s for s in Step}


@dataclass(frozen=True)
class SendBack:
    """How a page leads a committee member (or an admin) from a record to its page in the chat, where
    "Send back for revision" is: the dashboard itself is read-only.

    On Telegram, a deep link to the bot's chat (t.me/<bot>?start=record-m12): one touch, and the chat
    shows the record with its button (static/dashboard.js asks Telegram to open it, as the Mini App's
    openTelegramLink does). Zalo has no link that opens a bot's chat with a parameter (bot/channels/
    zalo/README.md), so behind a Zalo link each record shows its code, to send as /record m12."""

    bot_username: str | None  # Telegram's bot, for deep links; None: the codes to type

    def link(self, kind: str, record_id: int) -> str | None:
        """Return the deep link to a record, or None where the code is typed instead."""
        if not self.bot_username:
            return None
        return review.deep_link(self.bot_username, kind, record_id)


class Query:
    """The parameters of a page, to write links to the same page with some of them changed."""

    KEYS = ("view", "unit", "period", "from", "to", "sort", "dir", "page")

    def __init__(self, params: Mapping[str, str]) -> None:
        self.params = {k: params[k] for k in self.KEYS if params.get(k)}

    def get(self, key: str, default: str = "") -> str:
        """Return a parameter."""
        return self.params.get(key, default)

    def href(self, **changes: object) -> str:
        """Return a relative link to this page with parameters changed (None or "" removes one)."""
        params = dict(self.params)
        for given, value in changes.items():
            key = given.rstrip("_")  # from_ for "from"
            if value is None or value == "":
                params.pop(key, None)
            else:
                params[key] = str(value)
        return "?" + urlencode({k: params[k] for k in self.KEYS if k in params})


def _h(template: str, *args: object, **values: object) -> Markup:
    """Return an HTML template with its values escaped into it."""
    return Markup(template).format(*args, **values)


def _text(t: Translator, message: str, **values: object) -> Markup:
    """Return a catalog message (plain text) with its values, escaped."""
    return escape(t(message).format(**values)) if values else escape(t(message))


def _join(parts: Iterable[Markup | str]) -> Markup:
    return Markup("").join(parts)


def _month(day: date) -> str:
    return f"{day.month:02d}/{day.year}"


def _short(t: Translator, day: date | None) -> str:
    return t.date(day) if day else "—"


# ----- the frame of every page ------------------------------------------------------------------


def crumbs(path: Sequence[ScopeUnit], query: Query, t: Translator) -> Markup:
    """Return the way from the viewer's unit down to the unit shown, each a link."""
    links = [
        _h('<a href="{}">{}</a>', query.href(view=None, unit=u.id, page=None), u.name) for u in path[:-1]
    ]
    if not links:
        return Markup("")
    return _h('<nav class="crumbs" aria-label="{}">{}</nav>', t(N_("Units above")), Markup(" › ").join(links))


def period_form(period: d.Period, query: Query, t: Translator) -> Markup:
    """Return the period filter: a GET form, so it works without the script too."""
    options = _join(
        _h(
            '<option value="{}"{}>{}</option>',
            kind.value,
            Markup(" selected") if kind is period.kind else "",
            t(name),
        )
        for kind, name in PERIOD_NAMES.items()
    )
    kept = _join(
        _h('<input type="hidden" name="{}" value="{}">', key, query.get(key))
        for key in ("view", "unit", "sort", "dir")
        if query.get(key)
    )
    start = period.start.isoformat() if period.kind is d.PeriodKind.RANGE else ""
    end = period.end.isoformat() if period.kind is d.PeriodKind.RANGE else ""
    return _h(
        '<form class="period" method="get" role="search">{kept}'
        '<label><span>{label}</span><select name="period">{options}</select></label>'
        '<label class="range"><span>{from_}</span><input type="date" name="from" value="{start}"></label>'
        '<label class="range"><span>{to}</span><input type="date" name="to" value="{end}"></label>'
        '<button type="submit">{show}</button>'
        '<p class="shown">{shown}</p></form>',
        kept=kept,
        label=t(N_("Period")),
        options=options,
        from_=t(N_("From")),
        to=t(N_("To")),
        start=start,
        end=end,
        show=t(N_("Show")),
        shown=t(N_("{start} to {end}")).format(start=t.date(period.start), end=t.date(period.end)),
    )


def tabs(view: str, query: Query, t: Translator) -> Markup:
    """Return the tabs of a unit: its table and its deadlines."""
    items = (("cells", N_("Cells")), ("deadlines", N_("Deadlines")))
    return _h(
        '<nav class="tabs">{}</nav>',
        _join(
            _h(
                '<a href="{}"{}>{}</a>',
                query.href(view=None if name == "cells" else name, page=None),
                Markup(' aria-current="page"') if name == view else "",
                t(label),
            )
            for name, label in items
        ),
    )


def error(message: Markup | str, t: Translator) -> Markup:
    """Return a message saying what was wrong with the request."""
    return _h('<p class="error" role="alert">{}</p>', message)


# ----- the table ----------------------------------------------------------------------------------

COLUMNS: tuple[tuple[d.Sort, str], ...] = (
    (d.Sort.NAME, N_("Cell")),
    (d.Sort.MEMBERS, N_("Members")),
    (d.Sort.LAST, N_("Last report")),
    (d.Sort.REGULAR, N_("Regular meeting")),
    (d.Sort.THEMATIC, N_("Thematic meeting")),
    (d.Sort.DEADLINES, N_("Deadlines")),
    (d.Sort.RETURNED, N_("Sent back")),
    (d.Sort.ADMISSIONS, N_("Admissions")),
)


def _mark(held: int, of: int, late: int, due: int = 0) -> str:
    """Return how a meeting figure looks: late (red), due now (amber), all held (green), or plain
    (what is missing is not owed yet: this month's meeting day, or this quarter, is still to come)."""
    if late:
        return "bad"
    if due:
        return "soon"
    return "ok" if held == of else ""


def _regular_cell(t: Translator, row: d.Row) -> Markup:
    """Return a cell's regular meeting: this month's date (or when it is due), or the months held."""
    if row.regular_of == 0:
        return Markup("—")
    if not row.one_month:
        text = t(N_("{held} of {of}")).format(held=row.regular_held, of=row.regular_of)
        return _h(
            '<span class="{}">{}</span>', _mark(row.regular_held, row.regular_of, row.regular_late), text
        )
    if row.regular_held:
        return _h('<span class="ok">✓ {}</span>', _short(t, row.regular_date))
    if row.regular_late:
        return _h('<span class="bad">{}</span>', t(N_("none")))
    if row.regular_next is not None:
        return _h("<span>{}</span>", t(N_("not due until {date}")).format(date=t.date(row.regular_next)))
    return _h("<span>{}</span>", t(N_("none")))


def _thematic_cell(t: Translator, row: d.Row) -> Markup:
    """Return a cell's thematic meeting: this quarter's date (or until when it is due), or the quarters."""
    if row.thematic_of == 0:
        return Markup("—")
    if not row.one_quarter:
        text = t(N_("{held} of {of}")).format(held=row.thematic_held, of=row.thematic_of)
        mark = _mark(row.thematic_held, row.thematic_of, row.thematic_late, row.thematic_due)
        return _h('<span class="{}">{}</span>', mark, text)
    if row.thematic_held:
        return _h('<span class="ok">✓ {}</span>', _short(t, row.thematic_date))
    if row.thematic_late:
        return _h('<span class="bad">{}</span>', t(N_("none")))
    if row.thematic_by is not None:
        return _h(
            '<span class="soon">{}</span>',
            t(N_("none yet, due by {date}")).format(date=t.date(row.thematic_by)),
        )
    return _h("<span>{}</span>", t(N_("none yet")))


def _share_cell(t: Translator, held: int, of: int, late: int, due: int = 0) -> Markup:
    """Return a unit's meeting figure: how many of its cells held it, then how many are late or due."""
    lines = [
        _h(
            '<span class="{}">{}</span>',
            _mark(held, of, late, due),
            t(N_("{held} of {of} cells")).format(held=t.number(held), of=t.number(of)),
        )
    ]
    if late:
        lines.append(_h('<small class="bad">{}</small>', t(N_("{n} late")).format(n=t.number(late))))
    if due:
        lines.append(
            _h('<small class="soon">{}</small>', t(N_("{n} due this month")).format(n=t.number(due)))
        )
    return _join(lines)


def _returned_cell(t: Translator, returned: int) -> Markup:
    """Return how many records are sent back and not corrected yet."""
    if not returned:
        return Markup('<span class="ok">0</span>')
    return _h('<span class="bad">{}</span>', t.number(returned))


def _admissions(t: Translator, admitted: int, target: int | None) -> Markup:
    if target is None:
        return escape(t.number(admitted))
    return _h(
        '{} / {} <meter min="0" max="{}" value="{}"></meter>',
        t.number(admitted),
        t.number(target),
        max(target, 1),
        min(admitted, max(target, 1)),
    )


def _deadline_cell(t: Translator, row: d.Row) -> Markup:
    if not row.overdue and not row.due_soon:
        return Markup('<span class="ok">0</span>')
    overdue = (
        _h('<span class="bad">{}</span>', t(N_("{n} overdue")).format(n=t.number(row.overdue)))
        if row.overdue
        else Markup("")
    )
    soon = (
        _h('<span class="soon">{}</span>', t(N_("{n} due soon")).format(n=t.number(row.due_soon)))
        if row.due_soon
        else Markup("")
    )
    return Markup("<br>").join(x for x in (overdue, soon) if x)


def _row_html(row: d.Row, table: d.Table, query: Query, t: Translator) -> Markup:
    if row.is_cell:
        # The short name (without "Chi bộ Công ty TNHH"): on a phone the column leaves room for figures.
        name = _h(
            '<a href="{}" title="{}">{}</a>',
            query.href(view="cell", unit=row.unit_id, page=None),
            row.name,
            short_unit_name(row.name),
        )
        regular = _regular_cell(t, row)
        thematic = _thematic_cell(t, row)
        last = _h(
            '<span class="{}">{}</span>',
            "bad" if row.quiet else "",
            _short(t, row.last_record),
        )
    else:
        name = _h(
            '<a href="{}" title="{}">{}</a><small>{}</small>',
            query.href(view=None, unit=row.unit_id, page=None),
            row.name,
            short_unit_name(row.name),
            t(N_("{n} cells")).format(n=t.number(row.cells)),
        )
        regular = _share_cell(t, row.regular_held, row.regular_of, row.regular_late)
        thematic = _share_cell(t, row.thematic_held, row.thematic_of, row.thematic_late, row.thematic_due)
        last = (
            _h('<span class="bad">{}</span>', t(N_("{n} quiet")).format(n=t.number(row.quiet)))
            if row.quiet
            else _h('<span class="ok">{}</span>', _short(t, row.last_record))
        )
    members = t.number(row.members) if row.members is not None else "—"
    return _h(
        '<tr><th scope="row">{}</th><td class="num">{}</td><td>{}</td><td>{}</td><td>{}</td>'
        '<td>{}</td><td class="count">{}</td><td>{}</td></tr>',
        name,
        members,
        last,
        regular,
        thematic,
        _deadline_cell(t, row),
        _returned_cell(t, row.returned),
        _admissions(t, row.admitted, row.target),
    )


def _header(table: d.Table, query: Query, t: Translator) -> Markup:
    cells = []
    for sort, label in COLUMNS:
        shown = t(N_("Unit")) if sort is d.Sort.NAME and table.grouped else t(label)
        current = sort is table.sort
        descending = not table.descending if current else sort not in (d.Sort.NAME,)
        aria = ("descending" if table.descending else "ascending") if current else "none"
        arrow = ("▼" if table.descending else "▲") if current else ""
        cells.append(
            _h(
                '<th scope="col" aria-sort="{}"><a href="{}">{} <span aria-hidden="true">{}</span></a></th>',
                aria,
                query.href(sort=sort.value, dir="desc" if descending else "asc", page=None),
                shown,
                arrow,
            )
        )
    return _h("<thead><tr>{}</tr></thead>", _join(cells))


def pager(page: int, pages: int, total: int, query: Query, t: Translator) -> Markup:
    """Return the links to the previous and next pages."""
    if pages <= 1:
        return Markup("")
    previous = (
        _h('<a rel="prev" href="{}">‹ {}</a>', query.href(page=page - 1), t(N_("Previous")))
        if page > 1
        else Markup("<span></span>")
    )
    following = (
        _h('<a rel="next" href="{}">{} ›</a>', query.href(page=page + 1), t(N_("Next")))
        if page < pages
        else Markup("<span></span>")
    )
    return _h(
        '<nav class="pager">{}<span>{}</span>{}</nav>',
        previous,
        t(N_("Page {page} of {pages} ({total} rows)")).format(page=page, pages=pages, total=t.number(total)),
        following,
    )


def tiles(table: d.Table, t: Translator) -> Markup:
    """Return the unit's figures at a glance."""
    row = table.totals
    single = table.months == 1
    items = [
        (t(N_("Cells")), t.number(row.cells), ""),
        (t(N_("Members")), t.number(row.members) if row.members is not None else "—", ""),
        (
            _join(
                [
                    escape(t(N_("Held the regular meeting")) if single else t(N_("Met every month"))),
                    _h(" · {}", t(N_("{n} late")).format(n=t.number(row.regular_late)))
                    if row.regular_late
                    else "",
                ]
            ),
            t(N_("{held} of {of}")).format(held=t.number(row.regular_held), of=t.number(row.regular_of)),
            _mark(row.regular_held, row.regular_of, row.regular_late),
        ),
        (
            _join(
                [
                    escape(
                        t(N_("Thematic meeting this quarter"))
                        if table.quarters == 1
                        else t(N_("Thematic every quarter"))
                    ),
                    _h(" · {}", t(N_("{n} late")).format(n=t.number(row.thematic_late)))
                    if row.thematic_late
                    else "",
                    _h(" · {}", t(N_("{n} due this month")).format(n=t.number(row.thematic_due)))
                    if row.thematic_due
                    else "",
                ]
            ),
            t(N_("{held} of {of}")).format(held=t.number(row.thematic_held), of=t.number(row.thematic_of)),
            _mark(row.thematic_held, row.thematic_of, row.thematic_late, row.thematic_due),
        ),
        (t(N_("Overdue")), t.number(row.overdue), "bad" if row.overdue else "ok"),
        (t(N_("Due within 30 days")), t.number(row.due_soon), "soon" if row.due_soon else ""),
        (t(N_("Sent back, not corrected")), t.number(row.returned), "bad" if row.returned else "ok"),
        (
            t(N_("Admitted in {year}")).format(year=table.year),
            t.number(row.admitted)
            if row.target is None
            else f"{t.number(row.admitted)} / {t.number(row.target)}",
            "",
        ),
        (t(N_("Quiet for 30 days")), t.number(row.quiet), "bad" if row.quiet else "ok"),
    ]
    return _h(
        '<section class="tiles">{}</section>',
        _join(
            _h('<div class="tile {}"><b>{}</b><span>{}</span></div>', mark, value, label)
            for label, value, mark in items
        ),
    )


def table_page(table: d.Table, query: Query, t: Translator) -> Markup:
    """Return the page of a unit: its figures, its table and (loaded after it) its charts."""
    caption = (
        t(N_("One row per unit right under {unit}; open one to see its cells."))
        if table.grouped
        else t(N_("One row per cell. Sort by a column by touching its name."))
    ).format(unit=table.unit.name)
    charts = query.href(view="charts", page=None, sort=None, dir=None)
    return _join(
        [
            crumbs(table.path, query, t),
            _h("<h1>{}</h1>", table.unit.name),
            period_form(table.period, query, t),
            tabs("cells", query, t),
            tiles(table, t),
            _h(
                '<p class="hint" id="cells-hint">{}</p><div class="table-wrap">'
                '<table class="cells" aria-describedby="cells-hint">{}<tbody>{}</tbody></table></div>',
                caption,
                _header(table, query, t),
                _join(_row_html(r, table, query, t) for r in table.rows),
            ),
            pager(table.page, table.pages, table.total_rows, query, t),
            _h(
                '<section class="charts" data-load="{}"><a href="{}">{}</a></section>',
                charts,
                charts,
                t(N_("Show the charts")),
            ),
        ]
    )


def _table(name: str, headers: Sequence[str], body: Markup) -> Markup:
    """Return a table with its column headers, in the box that scrolls sideways on a phone."""
    head = _join(_h('<th scope="col">{}</th>', h) for h in headers)
    return _h(
        '<div class="table-wrap"><table class="{}"><thead><tr>{}</tr></thead><tbody>{}</tbody></table></div>',
        name,
        head,
        body,
    )


# ----- one cell -----------------------------------------------------------------------------------


def _stage(t: Translator, person: d.PersonLine) -> str:
    if person.stage is None:
        return "—"
    return t(N_("{step} on {date}")).format(
        step=t(STEP_NAMES[person.stage]), date=_short(t, person.stage_date)
    )


def _next(t: Translator, person: d.PersonLine) -> Markup:
    deadline = person.next_deadline
    if deadline is None:
        return Markup("—")
    mark = {State.OVERDUE: "bad", State.DUE_SOON: "soon"}.get(person.state or State.UPCOMING, "")
    return _h(
        '{}<br><span class="{}">{}</span>',
        t(DEADLINE_NAMES[deadline.kind]),
        mark,
        t(N_("{date}, overdue")).format(date=t.date(deadline.due))
        if person.state is State.OVERDUE
        else t.date(deadline.due),
    )


def _record_what(t: Translator, record: RecordLine) -> str:
    if record.kind == "meeting":
        return t(_MEETING_LABELS[record.what]) if record.what in _MEETING_LABELS else record.what
    if record.kind == "activity":
        return t(_ACTIVITY_LABELS[record.what]) if record.what in _ACTIVITY_LABELS else record.what
    if record.kind == "step":
        return t(STEP_NAMES[_STEPS[record.what]]) if record.what in _STEPS else record.what
    if record.kind == "transfer":
        return t(TRANSFER_NAMES[record.what]) if record.what in TRANSFER_NAMES else record.what
    if record.kind == "mentor":
        return t(N_("quarter {n} of probation")).format(n=record.what)
    if record.kind == "person":
        return ""
    return record.what


def _record_text(t: Translator, record: RecordLine) -> Markup:
    """Return a record as one line: its date, its kind, what it is and about whom or what."""
    what = _record_what(t, record)
    return _h(
        "{}<b>{}</b>{}{}",
        _h("<time>{}</time> ", t.date(record.on_date)) if record.on_date else "",
        t(RECORD_KINDS.get(record.kind, record.kind)),
        _h(" · {}", what) if what else "",
        _h(": {}", record.subject) if record.subject else "",
    )


def _to_chat(t: Translator, record: RecordLine, send_back: SendBack) -> Markup:
    """Return the way from a record to its page in the chat: a deep link, or its code to type."""
    kind, record_id = review.reviewed_as(record.kind, record.id, record.what, record.person_id)
    link = send_back.link(kind, record_id)
    if link is not None:
        return _h(' <a class="to-chat" href="{}">{} ›</a>', link, t(N_("Open in the chat")))
    return _h(
        ' <span class="code">{}</span>',
        t(N_("code {code}")).format(code=review.record_code(kind, record_id)),
    )


def _send_back_hint(t: Translator, send_back: SendBack) -> Markup:
    """Return the line that says how to send a record back for revision from here."""
    if send_back.bot_username:
        text = t(
            N_(
                "To send a record back for revision, touch “Open in the chat” beside it: chibo shows it "
                "in your chat with the button that sends it back."
            )
        )
    else:
        text = t(
            N_(
                "To send a record back for revision, send /record and its code to chibo in the chat, "
                "for example /record {code}; chibo shows it with the button that sends it back."
            )
        ).format(code="m12")
    return _h('<p class="hint">{}</p>', text)


def _return_state(t: Translator, line: ReturnLine, zone: tzinfo) -> Markup:
    """Return the state of a return: waiting for the cell, corrected, or deleted, with when and by whom."""
    ret = line.returned
    if ret.resolved_at is None:
        return _h('<span class="bad">{}</span>', t(N_("Sent back, not corrected yet")))
    values = {"date": t.date(ret.resolved_at.astimezone(zone).date()), "name": line.resolved_by or "—"}
    if ret.resolution == reviews.CORRECTED:
        return _h('<span class="ok">{}</span>', t(N_("Corrected on {date} by {name}")).format(**values))
    return _h("<span>{}</span>", t(N_("Deleted by the cell on {date} ({name})")).format(**values))


def _returns(t: Translator, page: d.CellPage, send_back: SendBack | None) -> Markup:
    """Return the cell's records sent back for revision: each with its comment and its state."""
    if not page.returns:
        return _h('<p class="hint">{}</p>', t(N_("No record sent back for revision in this period.")))
    items = []
    for line in page.returns:
        ret = line.returned
        record = (
            _record_text(t, line.record)
            if line.record is not None
            else _h("<b>{}</b>", t(N_("A record erased since")))
        )
        reach = (
            _to_chat(t, line.record, send_back)
            if send_back is not None and line.record is not None and not line.record.deleted
            else ""
        )
        items.append(
            _h(
                '<li class="{}">{}<br>{}<blockquote>{}<footer>{}</footer></blockquote>{}</li>',
                "open" if ret.open else "closed",
                record,
                _return_state(t, line, page.zone),
                ret.comment,
                t(N_("{name}, {date}")).format(
                    name=line.returned_by or "—", date=t.date(ret.returned_at.astimezone(page.zone).date())
                ),
                reach,
            )
        )
    return _h('<ul class="records returns">{}</ul>', _join(items))


def cell_page(page: d.CellPage, query: Query, t: Translator, send_back: SendBack | None = None) -> Markup:
    """Return the page of a cell: its figures, its people in the pipeline, its records sent back for
    revision, its records and meetings. With `send_back` (a committee member or an admin), each record
    leads to its page in the chat, where it can be sent back."""
    row = page.row
    back = query.href(view=None, unit=page.path[-2].id if len(page.path) > 1 else None, page=None)
    facts = [
        (t(N_("Members")), t.number(row.members) if row.members is not None else "—"),
        (t(N_("Last report")), _short(t, row.last_record)),
        (t(N_("Meeting day")), t(N_("day {day} of each month")).format(day=page.unit.meeting_day)),
        (t(N_("Regular meeting")), _regular_cell(t, row)),
        (t(N_("Thematic meeting")), _thematic_cell(t, row)),
        (t(N_("Deadlines")), _deadline_cell(t, row)),
        (t(N_("Sent back, not corrected")), _returned_cell(t, row.returned)),
        (t(N_("Admitted in {year}")).format(year=page.year), _admissions(t, row.admitted, row.target)),
    ]
    people = (
        _join(
            _h(
                '<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>',
                p.name,
                _stage(t, p),
                _next(t, p),
            )
            for p in page.people
        )
        if page.people
        else _h('<tr><td colspan="3">{}</td></tr>', t(N_("Nobody in the admission pipeline.")))
    )
    records = (
        _join(
            _h(
                "<li>{}{}{}</li>",
                _record_text(t, r),
                _h(' <span class="bad">{}</span>', t(N_("↩️ sent back")))
                if (review.reviewed_as(r.kind, r.id, r.what, r.person_id) in page.returned_now)
                else "",
                _to_chat(t, r, send_back) if send_back is not None else "",
            )
            for r in page.records
        )
        if page.records
        else _h("<li>{}</li>", t(N_("Nothing recorded in this period.")))
    )
    months = _join(
        _h(
            '<tr><th scope="row">{}</th><td class="{}">{}</td><td>{}</td></tr>',
            _month(m.month),
            "ok" if m.regular else "bad" if m.owed else "",
            t.number(m.regular),
            t.number(m.thematic),
        )
        for m in page.months
    )
    return _join(
        [
            crumbs(page.path, query, t),
            _h('<p class="back"><a href="{}">‹ {}</a></p>', back, t(N_("Back to the table"))),
            _h("<h1>{}</h1>", page.unit.name),
            period_form(page.period, query, t),
            _h(
                '<dl class="facts">{}</dl>',
                _join(_h("<div><dt>{}</dt><dd>{}</dd></div>", k, v) for k, v in facts),
            ),
            _h('<h2 id="returns">{}</h2>', t(N_("Sent back for revision"))),
            _returns(t, page, send_back),
            _h("<h2>{}</h2>", t(N_("Admission pipeline"))),
            _table("people", (t(N_("Person")), t(N_("Reached")), t(N_("Next deadline"))), people),
            _h("<h2>{}</h2>", t(N_("Records of the period (latest first)"))),
            _send_back_hint(t, send_back) if send_back is not None and page.records else "",
            _h('<ul class="records">{}</ul>', records),
            _h("<h2>{}</h2>", t(N_("Meetings by month"))),
            _table("months", (t(N_("Month")), t(N_("Regular")), t(N_("Thematic"))), months),
        ]
    )


# ----- deadlines ----------------------------------------------------------------------------------


def deadlines_page(page: d.DeadlinesPage, query: Query, t: Translator) -> Markup:
    """Return the deadlines under a unit: overdue ones, then those due within 30 days."""
    lines = (
        _join(
            _h(
                '<tr class="{}"><td>{}</td><th scope="row">{}</th><td>{}</td>'
                '<td><a href="{}">{}</a></td></tr>',
                "bad" if line.state is State.OVERDUE else "",
                t.date(line.due)
                if line.state is not State.OVERDUE
                else t(N_("{date}, overdue")).format(date=t.date(line.due)),
                line.who,
                t(DEADLINE_NAMES[line.kind]),
                query.href(view="cell", unit=line.cell.id, page=None),
                line.cell.name,
            )
            for line in page.lines
        )
        if page.lines
        else _h('<tr><td colspan="4">{}</td></tr>', t(N_("No deadline is overdue or due within 30 days.")))
    )
    return _join(
        [
            crumbs(page.path, query, t),
            _h("<h1>{}</h1>", page.unit.name),
            tabs("deadlines", query, t),
            _h(
                "<p>{}</p>",
                t(N_("{overdue} overdue and {soon} due within the next 30 days.")).format(
                    overdue=t.number(page.overdue), soon=t.number(page.total - page.overdue)
                ),
            ),
            _table("deadlines", (t(N_("Due")), t(N_("Who")), t(N_("What")), t(N_("Cell"))), lines),
            pager(page.page, page.pages, page.total, query, t),
        ]
    )


# ----- charts ---------------------------------------------------------------------------------------

_WIDTH = 360


def _cut(name: str, width: int = 34) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def admissions_chart(charts: d.Charts, t: Translator) -> Markup:
    """Return the admissions of each unit (bars) against its target (outlined), as SVG."""
    # At least 5 on the scale: a single admission must not fill the width.
    top = max([5, *(max(b.admitted, b.target or 0) for b in charts.bars)])
    step = 34
    height = 30 + step * len(charts.bars) + (18 if charts.others else 0)
    scale = (_WIDTH - 70) / top
    bars = []
    for i, bar in enumerate(charts.bars):
        y = 30 + i * step
        target = (
            _h(
                '<rect class="target" x="0" y="{}" width="{:.1f}" height="12"></rect>',
                y + 14,
                max(bar.target * scale, 1),
            )
            if bar.target
            else Markup("")
        )
        value = f"{t.number(bar.admitted)} / {t.number(bar.target)}" if bar.target else t.number(bar.admitted)
        bars.append(
            _h(
                '<text x="0" y="{}" class="label">{}</text>{}'
                '<rect class="admitted" x="0" y="{}" width="{:.1f}" height="12"></rect>'
                '<text x="{:.1f}" y="{}" class="value">{}</text>',
                y + 10,
                _cut(short_unit_name(bar.name)),
                target,
                y + 14,
                bar.admitted * scale,
                max(bar.admitted, bar.target or 0) * scale + 4,
                y + 24,
                value,
            )
        )
    if charts.others:
        bars.append(
            _h(
                '<text x="0" y="{}" class="label">{}</text>',
                height - 4,
                t(N_("and {n} more units")).format(n=t.number(charts.others)),
            )
        )
    title = t(N_("Admissions in {year} against the target")).format(year=charts.year)
    return _h(
        '<figure><svg viewBox="0 0 {w} {h}" role="img" aria-labelledby="adm-title">'
        '<title id="adm-title">{title}</title><text x="0" y="14" class="title">{title}</text>{bars}</svg>'
        '<figcaption><span class="key admitted"></span>{admitted}{target}</figcaption></figure>',
        w=_WIDTH,
        h=height,
        title=title,
        bars=_join(bars),
        admitted=t(N_("Admitted")),
        # The target's key only where a target is drawn (as the digest's chart, issue 17).
        target=_h(' <span class="key target"></span>{}', t(N_("Target")))
        if any(b.target for b in charts.bars)
        else "",
    )


def meetings_chart(charts: d.Charts, t: Translator) -> Markup:
    """Return the cells that held their regular meeting in each of the last months, as SVG columns."""
    height, base, width = 190, 160, (_WIDTH - 10) / max(len(charts.met), 1)
    top = max(charts.cells, 1)
    columns = []
    for i, (month, met) in enumerate(charts.met):
        bar = (base - 30) * met / top
        x = 5 + i * width
        columns.append(
            _h(
                '<rect class="met" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"></rect>'
                '<text x="{:.1f}" y="{:.1f}" class="value middle">{}</text>'
                '<text x="{:.1f}" y="{}" class="label middle">{}</text>',
                x + width * 0.15,
                base - bar,
                width * 0.7,
                bar,
                x + width / 2,
                base - bar - 4,
                t.number(met),
                x + width / 2,
                base + 16,
                _month(month),
            )
        )
    title = t(N_("Cells that held their regular meeting, of {n}")).format(n=t.number(charts.cells))
    return _h(
        '<figure><svg viewBox="0 0 {w} {h}" role="img" aria-labelledby="met-title">'
        '<title id="met-title">{title}</title><text x="0" y="14" class="title">{title}</text>'
        '<line class="all" x1="0" x2="{w}" y1="30" y2="30"></line>{columns}</svg></figure>',
        w=_WIDTH,
        h=height,
        title=title,
        columns=_join(columns),
    )


def coverage_section(charts: d.Charts, t: Translator) -> Markup:
    """Return the enterprise register's coverage: enterprises with a cell, by zone, and young workers."""
    c = charts.enterprises
    if c.empty:
        return _h(
            '<section class="register"><h2>{}</h2><p class="hint">{}</p></section>',
            t(N_("Enterprises")),
            t(N_("The register has no enterprise here yet.")),
        )
    total = c.total
    zones = _join(
        _h(
            '<tr><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
            '<td class="num">{}</td><td class="num">{}</td></tr>',
            z.zone,
            t.number(z.enterprises),
            t.number(z.with_cell),
            t.number(z.members_no_cell),
            t.number(z.could_found),
            t(N_("{members} of {young}")).format(
                members=t.number(z.youth_union_members), young=t.number(z.young_workers)
            ),
        )
        for z in c.zones
    )
    headers = (
        t(N_("Zone")),
        t(N_("Enterprises")),
        t(N_("With a cell")),
        t(N_("Members, no cell")),
        t(N_("Could found one")),
        t(N_("Youth Union members of young workers")),
    )
    return _h(
        '<section class="register"><h2>{}</h2><p>{}</p><p>{}</p>{}</section>',
        t(N_("Enterprises")),
        t(
            N_(
                "{cells} of {enterprises} enterprises have a party cell; {members} have party members "
                "but no cell, {found} of them could found one now."
            )
        ).format(
            cells=t.number(total.with_cell),
            enterprises=t.number(total.enterprises),
            members=t.number(total.members_no_cell),
            found=t.number(total.could_found),
        ),
        t(
            N_("Young workers: {young}; Youth Union members: {members}. Founded in {year}: {cells} cells.")
        ).format(
            young=t.number(total.young_workers),
            members=t.number(total.youth_union_members),
            year=c.year,
            cells=t.number(c.founded.cells),
        ),
        _table("zones", headers, zones),
    )


def charts_section(charts: d.Charts, t: Translator) -> Markup:
    """Return both charts, then the enterprise register's coverage."""
    return admissions_chart(charts, t) + meetings_chart(charts, t) + coverage_section(charts, t)


# ----- the documents --------------------------------------------------------------------------------


def document(body: Markup, t: Translator, *, mode: str, title: str) -> str:
    """Return a whole page around a body (the Zalo link's pages and the Mini App's empty shell)."""
    return str(
        _h(
            '<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">'
            '<meta name="referrer" content="no-referrer">'
            "<title>{title}</title>"
            '<link rel="stylesheet" href="/dashboard/static/dashboard.css">'
            '<script src="/dashboard/static/dashboard.js" defer></script></head>'
            '<body data-mode="{mode}"><main id="view" aria-live="polite">{body}</main></body></html>',
            lang=t.locale,
            title=title,
            mode=mode,
            body=body,
        )
    )


def read_only_note(until: str, t: Translator) -> Markup:
    """Return the note a Zalo link's pages carry: read-only, valid until when, not to forward."""
    return _h(
        '<p class="note">{}</p>',
        t(N_("Read-only view, valid until {time}. Anyone with this link sees it: do not forward it.")).format(
            time=until
        ),
    )
