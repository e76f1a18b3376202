"""The enterprise register on Telegram: /enterprises (by zone, a search, each enterprise's card),
/addenterprise, /contact, /myenterprises, and the card's buttons, which open the register's forms.
Thin adapters over bot/features/enterprises.py; the forms run in the one engine."""

from __future__ import annotations

import hashlib
import logging
from datetime import date
from enum import StrEnum

from markupsafe import Markup
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks, commands
from bot.commands import REGISTERED, Command
from bot.context import ChiboApp, ChiboContext
from bot.features import enterprises
from bot.forms.definitions import found_cell_answers, register_answers
from bot.forms.fields import Choice, fold
from bot.i18n import N_, Translator
from bot.rules.enterprises import STAGE_NAMES, Stage, contact_due
from bot.scheduling.outbox import local
from handlers.common import args_text, keyboard, reply, requires
from handlers.forms import form_context, show
from storage.enterprises import Enterprise
from storage.models import Role

log = logging.getLogger(__name__)

WORKING_GROUP: frozenset[Role | None] = frozenset({Role.COMMITTEE, Role.ADMIN})
commands.register(
    Command(
        "enterprises",
        N_("The enterprise register: by zone, each enterprise's card"),
        REGISTERED,
        usage=N_("/enterprises [part of a name]"),
    )
)
commands.register(Command("addenterprise", N_("Add an enterprise to the register"), WORKING_GROUP))
commands.register(Command("myenterprises", N_("Your enterprises in the working group"), WORKING_GROUP))
commands.register(Command("contact", N_("Log a contact with an enterprise"), WORKING_GROUP))

PAGE = 8
STALE = N_("This button is no longer active. Please start again.")


class EnterpriseAction(StrEnum):
    """What a button of the register does. The values are the codes on the wire (callback data):
    buttons already sitting in people's chats keep working, so a value never changes."""

    ZONES = "z"  # the register by zone
    ZONE = "l"  # a page of one zone's enterprises
    OPEN = "o"  # an enterprise's card
    CONTACT = "c"  # log a contact
    STAGE = "s"  # record a stage
    EDIT = "e"  # correct the register's entry
    ASSIGN = "a"  # give it to a working group member
    FOUND = "f"  # found its party cell
    REMOVE = "d"  # ask before taking it out of the register
    REMOVE_YES = "y"
    REMOVE_NO = "n"
    MINE = "m"  # the member's own list

    @classmethod
    def parse(cls, code: str) -> EnterpriseAction | None:
        """Return the action of a code, or None for one this version does not know."""
        try:
            return cls(code)
        except ValueError:
            return None


# The form each card button opens.
FORM_OF_ACTION = {
    EnterpriseAction.CONTACT: "contact",
    EnterpriseAction.STAGE: "stage",
    EnterpriseAction.EDIT: "editenterprise",
    EnterpriseAction.ASSIGN: "assign",
    EnterpriseAction.FOUND: "foundcell",
}


def _button(label: str, action: EnterpriseAction, *args: object) -> tuple[str, str]:
    return label, callbacks.encode("en", action.value, *args)


def zone_key(zone: str) -> str:
    """Return a zone's short key for a button (its name may be long, or hold ':')."""
    return hashlib.sha256(zone.encode()).hexdigest()[:10]


def _today(context: ChiboContext) -> date:
    return local(context.now(), context.settings).date()


async def _scope(context: ChiboContext) -> enterprises.Scope:
    actor = context.actor
    assert actor is not None
    return await enterprises.scope_of(context.db, actor.role, actor.user)


def _mark(enterprise: Enterprise) -> str:
    """Return the sign of an enterprise's party stage in a list."""
    if enterprise.cell_id is not None:
        return "✅"
    if enterprises.could_found(enterprise):
        return "⭐"
    if enterprises.stage_of(enterprise) is Stage.MEMBERS_ELSEWHERE:
        return "👥"
    return "▫️"


def _short(label: str, limit: int = 48) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


# ----- /enterprises: by zone, a zone's page, a search ------------------------------------------------


async def _zones_view(
    context: ChiboContext, scope: enterprises.Scope
) -> tuple[str, InlineKeyboardMarkup | None]:
    t = context.t
    zones = await enterprises.zones(context.db, scope)
    if not zones:
        text = t("The register has no enterprise yet.")
        if scope.role in WORKING_GROUP:
            text += " " + t("Add one with /addenterprise, or import a list with /import (admins).")
        return text, None
    listed = await enterprises.visible(context.db, scope)
    lines = [
        Markup(t("<b>Enterprise register</b>: {n} enterprises in {zones} zones")).format(
            n=t.number(len(listed)), zones=t.number(len(zones))
        ),
        Markup(
            t(
                "✅ with a party cell: {cells} · 👥 party members, no cell: {members} · "
                "⭐ could found one: {found}"
            )
        ).format(
            cells=t.number(sum(e.cell_id is not None for e in listed)),
            members=t.number(
                sum(e.cell_id is None and enterprises.stage_of(e) is not Stage.NO_MEMBER for e in listed)
            ),
            found=t.number(sum(enterprises.could_found(e) for e in listed)),
        ),
        "",
        Markup("<i>{}</i>").format(t("Pick a zone, or search: /enterprises part of a name.")),
    ]
    rows = [
        [_button(_short(f"{zone} ({t.number(n)})"), EnterpriseAction.ZONE, zone_key(zone), 0)]
        for zone, n in zones
    ]
    if scope.role in WORKING_GROUP:
        rows.append([_button(t("Your enterprises"), EnterpriseAction.MINE)])
    return Markup("\n").join(lines), keyboard(rows)


def _list_lines(listed: list[Enterprise], first: int, t: Translator, today: date, days: int) -> list[Markup]:
    lines = []
    for number, enterprise in enumerate(listed, first):
        due = (
            " ⏰"
            if enterprise.assigned_to is not None and contact_due(enterprise.last_contact, today, days)
            else ""
        )
        lines.append(
            Markup("{n}. {mark} {name} — {workers}{due}").format(
                n=number,
                mark=_mark(enterprise),
                name=enterprise.name,
                workers=Markup(t("{n} workers")).format(n=t.number(enterprise.workers)),
                due=due,
            )
        )
    return lines


async def _zone_view(
    context: ChiboContext, scope: enterprises.Scope, key: str, page: int
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    t = context.t
    zone = next((z for z, _ in await enterprises.zones(context.db, scope) if zone_key(z) == key), None)
    if zone is None:
        return None
    listed = await enterprises.visible(context.db, scope, zone)
    pages = max(1, -(-len(listed) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = listed[page * PAGE : (page + 1) * PAGE]
    lines = [
        Markup(t("<b>{zone}</b>: {n} enterprises (page {page} of {pages})")).format(
            zone=zone, n=t.number(len(listed)), page=page + 1, pages=pages
        ),
        *_list_lines(shown, page * PAGE + 1, t, _today(context), context.settings.contact_days),
        Markup("<i>{}</i>").format(
            t("✅ party cell · ⭐ could found one · 👥 party members, no cell · ⏰ contact due")
        ),
    ]
    rows = [
        [_button(_short(f"{n}. {e.name}"), EnterpriseAction.OPEN, e.id)]
        for n, e in enumerate(shown, page * PAGE + 1)
    ]
    nav = []
    if page > 0:
        nav.append(_button(t("◀ Previous"), EnterpriseAction.ZONE, key, page - 1))
    if page < pages - 1:
        nav.append(_button(t("Next ▶"), EnterpriseAction.ZONE, key, page + 1))
    nav.append(_button(t("All zones"), EnterpriseAction.ZONES))
    rows.append(nav)
    return Markup("\n").join(lines), keyboard(rows)


async def _search(
    context: ChiboContext, scope: enterprises.Scope, words: str
) -> tuple[str, InlineKeyboardMarkup | None] | int:
    """Return the enterprises whose name or zone holds the words, or the id of the only one."""
    t = context.t
    wanted = fold(words).split()
    found = [
        e
        for e in await enterprises.visible(context.db, scope)
        if all(w in fold(f"{e.name} {e.zone}") for w in wanted)
    ]
    if len(found) == 1:
        return found[0].id
    if not found:
        return Markup(t("No enterprise matches “{text}”. Try another part of the name.")).format(
            text=words
        ), None
    shown = found[:PAGE]
    lines = [
        Markup(t("{n} enterprises match “{text}”:")).format(n=t.number(len(found)), text=words),
        *_list_lines(shown, 1, t, _today(context), context.settings.contact_days),
    ]
    if len(found) > PAGE:
        lines.append(
            Markup(t("… and {n} more: add a word to the search.")).format(n=t.number(len(found) - PAGE))
        )
    rows = [[_button(_short(f"{n}. {e.name}"), EnterpriseAction.OPEN, e.id)] for n, e in enumerate(shown, 1)]
    return Markup("\n").join(lines), keyboard(rows)


@requires(Role.SECRETARY, Role.COMMITTEE, Role.ADMIN)
async def enterprises_command(update: Update, context: ChiboContext) -> None:
    """Show the register by zone, the enterprises matching a search, or a secretary's own enterprise."""
    t = context.t
    scope = await _scope(context)
    if scope.role is Role.SECRETARY:
        own = await enterprises.visible(context.db, scope)
        if not own:
            await reply(
                update,
                context,
                t("Your cell's enterprise is not in the register yet. Report its facts with /enterprise."),
            )
            return
        await _send_card(update, context, scope, own[0].id)
        return
    words = args_text(update)
    if words:
        found = await _search(context, scope, words)
        if isinstance(found, int):
            await _send_card(update, context, scope, found)
            return
        text, markup = found
    else:
        text, markup = await _zones_view(context, scope)
    await reply(update, context, text, markup=markup)


# ----- an enterprise's card -------------------------------------------------------------------------------


def _label(choices: tuple[Choice, ...], value: object, t: Translator) -> str:
    return next((t(c.label) for c in choices if c.value == value), t("ownership not known"))


def _since(day: date | None, t: Translator) -> str:
    return Markup(t(" (since {day})")).format(day=t.date(day)) if day is not None else ""


def card_text(card: enterprises.Card, t: Translator, today: date) -> Markup:
    """Return an enterprise's card as HTML."""
    e = card.enterprise
    lines = [
        Markup("🏭 <b>{name}</b>").format(name=e.name),
        Markup("{zone} · {ownership}").format(
            zone=e.zone, ownership=_label(enterprises.OWNERSHIPS, e.ownership, t)
        ),
    ]
    if card.register is not None:
        lines.append(Markup(t("In the register of {unit}")).format(unit=card.register.name))
    lines.append(
        Markup(t("Workers: {workers}, of them young (under 30): {young}")).format(
            workers=t.number(e.workers), young=t.number(e.young_workers)
        )
    )
    union = e.stages.get(Stage.TRADE_UNION.value) if enterprises.has(e, Stage.TRADE_UNION) else None
    lines.append(
        Markup(t("Trade union: {answer}")).format(
            answer=(t("yes") + _since(union, t)) if enterprises.has(e, Stage.TRADE_UNION) else t("no")
        )
    )
    if enterprises.has(e, Stage.YOUTH_UNION):
        lines.append(
            Markup(t("Youth Union branch: yes{since}, {n} members")).format(
                since=_since(e.stages.get(Stage.YOUTH_UNION.value), t), n=t.number(e.youth_union_members)
            )
        )
    else:
        lines.append(Markup(t("Youth Union branch: no")))
    lines.append(
        Markup(t("Party members working there: {n}, of them registered where they live: {elsewhere}")).format(
            n=t.number(e.party_members), elsewhere=t.number(e.members_elsewhere)
        )
    )
    stage_line = Markup(t("Stage: <b>{stage}</b>")).format(stage=t(STAGE_NAMES[card.stage]))
    stage_line += Markup(_since(e.stages.get(card.stage.value), t))
    lines.append(stage_line)
    if card.cell is not None:
        lines.append(
            Markup(t("Party cell: {cell} (<code>{code}</code>)")).format(
                cell=card.cell.name, code=card.cell.code
            )
        )
    elif card.could_found:
        lines.append(Markup("⭐ ") + Markup(t("It could found its own party cell now.")))
    elif e.party_members >= 3 and card.stage is Stage.MEMBERS_ELSEWHERE and card.may_edit:
        lines.append(
            Markup("ℹ️ ")
            + Markup(
                t(
                    "{n} party members work here: once three of them are official members, record the stage "
                    "“three official members”."
                )
            ).format(n=t.number(e.party_members))
        )
    if card.may_edit:
        lines.append(Markup(""))
        if card.member is not None:
            lines.append(Markup(t("Working group: {name}")).format(name=card.member.display_name))
        else:
            lines.append(Markup(t("Working group: nobody assigned yet")))
        if e.last_contact is None:
            lines.append(Markup(t("⏰ No contact logged yet.")))
        else:
            days = (today - e.last_contact).days
            if days == 0:
                line = Markup(t("Last contact: today, {day}")).format(day=t.date(e.last_contact))
            else:
                line = Markup(t("Last contact: {day} ({days} days ago)")).format(
                    day=t.date(e.last_contact), days=days
                )
            lines.append((Markup("⏰ ") + line) if card.due else line)
        labels = {c.value: c.label for c in enterprises.CONTACT_KINDS}
        for contact in card.contacts:
            lines.append(
                Markup("• {day} · {kind}: {note}").format(
                    day=t.date(contact.on_date),
                    kind=t(labels.get(contact.kind, contact.kind)),
                    note=contact.note,
                )
            )
    return Markup("\n").join(lines)


def card_buttons(card: enterprises.Card, t: Translator) -> InlineKeyboardMarkup | None:
    """Return the buttons of a card: what its reader may do."""
    e = card.enterprise
    rows: list[list[tuple[str, str]]] = []
    if card.may_edit:
        rows.append(
            [
                _button(t("📝 Log a contact"), EnterpriseAction.CONTACT, e.id),
                _button(t("📍 Record a stage"), EnterpriseAction.STAGE, e.id),
            ]
        )
        rows.append([_button(t("✏️ Correct the figures"), EnterpriseAction.EDIT, e.id)])
    if card.may_manage:
        manage = [_button(t("👤 Assign"), EnterpriseAction.ASSIGN, e.id)]
        if e.cell_id is None:
            manage.append(_button(t("🏛 Found the cell"), EnterpriseAction.FOUND, e.id))
        rows.append(manage)
        rows.append([_button(t("🗑 Remove from the register"), EnterpriseAction.REMOVE, e.id)])
    if card.may_edit:
        rows.append([_button(t("◀ The zone's list"), EnterpriseAction.ZONE, zone_key(e.zone), 0)])
    return keyboard(rows) if rows else None


async def _send_card(
    update: Update, context: ChiboContext, scope: enterprises.Scope, enterprise_id: int
) -> bool:
    today = _today(context)
    card = await enterprises.card(context.db, scope, enterprise_id, today, context.settings.contact_days)
    if card is None:
        return False
    await reply(update, context, card_text(card, context.t, today), markup=card_buttons(card, context.t))
    return True


# ----- /myenterprises -----------------------------------------------------------------------------------


async def _mine_view(context: ChiboContext) -> tuple[str, InlineKeyboardMarkup | None]:
    t = context.t
    actor = context.actor
    assert actor is not None and actor.user is not None
    today = _today(context)
    work = await enterprises.worklist(context.db, actor.user.id, today, context.settings.contact_days)
    if not work.enterprises:
        return t("No enterprise is assigned to you in the working group yet. The admin assigns them."), None
    lines = [
        Markup(t("<b>Your enterprises in the working group: {n}</b>")).format(n=t.number(work.enterprises))
    ]
    lines.append(
        Markup(t("⏰ Not contacted for {days} days or more: {n}")).format(
            days=work.days, n=t.number(len(work.due))
        )
    )
    for enterprise in work.due:
        if enterprise.last_contact is None:
            when = t("never contacted")
        else:
            when = Markup(t("last contact {day}, {days} days ago")).format(
                day=t.date(enterprise.last_contact), days=(today - enterprise.last_contact).days
            )
        lines.append(
            Markup("• {name} · {zone} — {when}").format(name=enterprise.name, zone=enterprise.zone, when=when)
        )
    lines.append(Markup(t("⭐ Could found a party cell now: {n}")).format(n=t.number(len(work.could_found))))
    for enterprise in work.could_found:
        lines.append(Markup("• {name} · {zone}").format(name=enterprise.name, zone=enterprise.zone))
    if work.empty:
        lines.append(Markup(t("Nothing is due: every enterprise of yours was contacted lately.")))
    lines.append(Markup("<i>{}</i>").format(t("Open one to log a contact or record a stage.")))
    shown = list({e.id: e for e in [*work.due, *work.could_found]}.values())[:PAGE]
    rows = [[_button(_short(e.name), EnterpriseAction.OPEN, e.id)] for e in shown]
    rows.append([_button(t("All zones"), EnterpriseAction.ZONES)])
    return Markup("\n").join(lines), keyboard(rows)


@requires(Role.COMMITTEE, Role.ADMIN)
async def myenterprises(update: Update, context: ChiboContext) -> None:
    """Show a working group member's own list: due a contact, and able to found a cell."""
    text, markup = await _mine_view(context)
    await reply(update, context, text, markup=markup)


# ----- the forms ------------------------------------------------------------------------------------------


@requires(Role.COMMITTEE, Role.ADMIN)
async def addenterprise(update: Update, context: ChiboContext) -> None:
    """Open the form of a new enterprise of the register (its register chosen when there is one)."""
    ctx = form_context(context)
    scope = await _scope(context)
    registers = await enterprises.registers(context.db, scope)
    given = {"unit": str(registers[0].id)} if len(registers) == 1 else None
    await show(update, context, await context.forms.start(ctx, "addenterprise", given=given))


@requires(Role.COMMITTEE, Role.ADMIN)
async def contact(update: Update, context: ChiboContext) -> None:
    """Open the contact form (the enterprise is picked, the member's own first)."""
    await show(update, context, await context.forms.start(form_context(context), "contact"))


async def _open_form(
    update: Update, context: ChiboContext, action: EnterpriseAction, enterprise_id: int
) -> None:
    name = FORM_OF_ACTION[action]
    prefill = None
    if action is EnterpriseAction.EDIT:
        prefill = await register_answers(context.db, enterprise_id)
    elif action is EnterpriseAction.FOUND:
        prefill = await found_cell_answers(context.db, enterprise_id)
    view = await context.forms.start(
        form_context(context), name, prefill=prefill, given={"enterprise": str(enterprise_id)}
    )
    await show(update, context, view)


# ----- the buttons ----------------------------------------------------------------------------------------


async def _edit_or_send(
    update: Update, context: ChiboContext, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(str(text), parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        log.info("register message unchanged: %s", exc)


@requires(Role.SECRETARY, Role.COMMITTEE, Role.ADMIN)
async def pressed(update: Update, context: ChiboContext) -> None:
    """Handle a button of the register: lists, cards, the forms they open, removing an entry."""
    query = update.callback_query
    assert query is not None
    t = context.t
    data = callbacks.decode(query.data)
    args = data.args if data else ()
    action = EnterpriseAction.parse(args[0]) if args else None
    scope = await _scope(context)
    if action is EnterpriseAction.ZONES:
        await query.answer()
        text, markup = await _zones_view(context, scope)
        await _edit_or_send(update, context, text, markup)
        return
    if action is EnterpriseAction.MINE and scope.role in WORKING_GROUP:
        await query.answer()
        text, markup = await _mine_view(context)
        await reply(update, context, text, markup=markup)
        return
    if action is EnterpriseAction.ZONE and len(args) == 3 and args[2].isdecimal():
        view = await _zone_view(context, scope, args[1], int(args[2]))
        if view is None:
            await query.answer(t("This zone is no longer in your register."), show_alert=True)
            return
        await query.answer()
        await _edit_or_send(update, context, *view)
        return
    if action is None or len(args) != 2 or not args[1].isdecimal():
        await query.answer(t(STALE))
        return
    enterprise_id = int(args[1])
    enterprise = await enterprises.find(context.db, scope, enterprise_id)
    if enterprise is None:
        # Never in this person's register, or taken out of it: nothing of it is shown.
        await query.answer(t("This enterprise is not in your register."), show_alert=True)
        return
    if action is EnterpriseAction.OPEN:
        await query.answer()
        await _send_card(update, context, scope, enterprise_id)
        return
    may = (
        scope.manages
        if action
        in (
            EnterpriseAction.ASSIGN,
            EnterpriseAction.FOUND,
            EnterpriseAction.REMOVE,
            EnterpriseAction.REMOVE_YES,
            EnterpriseAction.REMOVE_NO,
        )
        else scope.edits(enterprise)
    )
    if not may:
        await query.answer(t("Your role cannot do this. See /help for what you can do."), show_alert=True)
        return
    await query.answer()
    if action in FORM_OF_ACTION:
        await _open_form(update, context, action, enterprise_id)
    elif action is EnterpriseAction.REMOVE:
        buttons = [
            [
                _button(t("Yes, remove it"), EnterpriseAction.REMOVE_YES, enterprise_id),
                _button(t("No, keep it"), EnterpriseAction.REMOVE_NO, enterprise_id),
            ]
        ]
        await reply(
            update,
            context,
            Markup(
                t(
                    "Take <b>{name}</b> out of the register (it closed, or was entered twice)? "
                    "It no longer counts anywhere."
                )
            ).format(name=enterprise.name),
            markup=keyboard(buttons),
        )
    elif action is EnterpriseAction.REMOVE_YES:
        if query.message is not None:
            await query.edit_message_reply_markup(None)
        async with context.db.transaction() as tx:
            removed = await enterprises.remove(tx, scope, enterprise_id, context.now())
        if removed is None:
            await reply(update, context, t("This enterprise is not in your register."))
        else:
            await reply(
                update, context, Markup(t("{name} is out of the register.")).format(name=removed.name)
            )
    else:
        if query.message is not None:
            await query.edit_message_reply_markup(None)
        await reply(update, context, t("Kept; nothing changed."))


def register(app: ChiboApp, group: int) -> None:
    """Add the register's commands and buttons to the application."""
    app.add_handler(CommandHandler("enterprises", enterprises_command), group)
    app.add_handler(CommandHandler("addenterprise", addenterprise), group)
    app.add_handler(CommandHandler("myenterprises", myenterprises), group)
    app.add_handler(CommandHandler("contact", contact), group)
    app.add_handler(CallbackQueryHandler(pressed, pattern=callbacks.pattern("en")), group)
