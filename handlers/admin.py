"""Admin commands: /addunit, /moveunit, /renameunit, /mergecells, /units, /invite, /invites, /uninvite,
/users, /revoke."""

from __future__ import annotations

from markupsafe import Markup
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.context import ChiboApp, ChiboContext
from bot.errors import UserError
from bot.features import admin
from bot.features import tree as unit_tree
from bot.features.access import TELEGRAM, is_configured_admin
from bot.i18n import N_
from bot.text import role_name
from handlers.common import args_text, channel_of, keyboard, reply, requires, user_error
from handlers.menus import clear_user_menu
from storage.models import Role


def _actor_id(context: ChiboContext) -> int | None:
    actor = context.actor
    return actor.user.id if actor is not None and actor.user is not None else None


@requires(Role.ADMIN)
async def addunit(update: Update, context: ChiboContext) -> None:
    """Create a unit: /addunit [parent/]code name…"""
    t = context.t
    parts = args_text(update).split(maxsplit=1)
    if len(parts) == 1:
        await reply(
            update,
            context,
            Markup(
                t(
                    "The name is missing: write it after the code, for example "
                    "<code>/addunit {code} Chi bộ Công ty Honda</code>"
                )
            ).format(code=parts[0]),
        )
        return
    if len(parts) < 2:
        await reply(
            update,
            context,
            t(
                "Write the code and the name, for example:\n<code>/addunit kcn-a Đảng bộ KCN A</code>\n"
                "<code>/addunit kcn-a/cb-honda Chi bộ Công ty Honda</code>"
            ),
        )
        return
    try:
        unit, parent = await admin.add_unit(context.db, _actor_id(context), parts[0], parts[1], context.now())
    except UserError as error:
        await user_error(update, context, error)
        return
    await reply(
        update,
        context,
        Markup(t("Unit <b>{name}</b> (<code>{code}</code>) added under {parent}.")).format(
            name=unit.name, code=unit.code, parent=parent.name
        ),
    )


TREE_USAGE = {
    "moveunit": N_(
        "Write the unit's code and its new committee's, for example: <code>/moveunit cb-honda kcn-b</code>"
    ),
    "renameunit": N_(
        "Write the unit's code and its new name, for example: "
        "<code>/renameunit cb-honda Chi bộ Công ty Honda Việt Nam</code>"
    ),
    "mergecells": N_(
        "Write the code of the cell that goes and of the cell that stays, for example: "
        "<code>/mergecells cb-honda-2 cb-honda</code>"
    ),
}
CONFIRM, DROP = "y", "n"  # the actions of the preview's buttons (callback data "v1:ut:y:<token>")


async def _tree_change(update: Update, context: ChiboContext, command: str) -> None:
    """Check a change of the tree, show what it will do, and ask for the confirmation."""
    t = context.t
    parts = args_text(update).split(maxsplit=1)
    if len(parts) < 2:
        await reply(update, context, t(TREE_USAGE[command]))
        return
    try:
        if command == "moveunit":
            change = await unit_tree.plan_move(context.db, parts[0], parts[1].strip())
        elif command == "renameunit":
            change = await unit_tree.plan_rename(context.db, parts[0], parts[1])
        else:
            change = await unit_tree.plan_merge(context.db, parts[0], parts[1].strip())
    except UserError as error:
        await user_error(update, context, error)
        return
    actor_id = _actor_id(context)
    assert actor_id is not None  # an admin has a stored user row
    token = await unit_tree.propose(context.db, actor_id, change)
    buttons = [
        [
            (t("✅ Yes, do it"), callbacks.encode("ut", CONFIRM, token)),
            (t("✖ Cancel"), callbacks.encode("ut", DROP, token)),
        ]
    ]
    await reply(update, context, await unit_tree.preview(context.db, change, t), markup=keyboard(buttons))


@requires(Role.ADMIN)
async def moveunit(update: Update, context: ChiboContext) -> None:
    """Move a unit under another committee: /moveunit unit-code parent-code."""
    await _tree_change(update, context, "moveunit")


@requires(Role.ADMIN)
async def renameunit(update: Update, context: ChiboContext) -> None:
    """Rename a unit: /renameunit unit-code new name."""
    await _tree_change(update, context, "renameunit")


@requires(Role.ADMIN)
async def mergecells(update: Update, context: ChiboContext) -> None:
    """Merge a cell into another: /mergecells cell-code into-cell-code."""
    await _tree_change(update, context, "mergecells")


@requires(Role.ADMIN)
async def tree_pressed(update: Update, context: ChiboContext) -> None:
    """Confirm or cancel the change of the tree a preview showed."""
    query = update.callback_query
    assert query is not None
    t = context.t
    data = callbacks.decode(query.data)
    args = data.args if data else ()
    actor_id = _actor_id(context)
    if len(args) != 2 or args[0] not in (CONFIRM, DROP) or actor_id is None:
        await query.answer(t("This button is no longer active. Please start again."))
        return
    if args[0] == DROP:
        dropped = await unit_tree.drop(context.db, actor_id, args[1])
        await query.answer(
            t("Cancelled; nothing changed.")
            if dropped
            else t("This button is no longer active. Please start again.")
        )
        if dropped and query.message is not None:
            await query.edit_message_reply_markup(None)
        return
    try:
        change = await unit_tree.confirm(
            context.db, actor_id, args[1], context.now(), context.scheduler.outbox
        )
    except UserError as error:
        # The tree changed since the preview (a unit was moved or merged meanwhile): nothing was done.
        await query.answer()
        await user_error(update, context, error)
        return
    if change is None:
        await query.answer(t("This button is no longer active. Please start again."))
        return
    await query.answer()
    if query.message is not None:
        await query.edit_message_reply_markup(None)
    done = {
        unit_tree.Action.MOVE: t("✅ {unit} now belongs to {target}."),
        unit_tree.Action.RENAME: t("✅ {unit} is now called {name}."),
        unit_tree.Action.MERGE: t("✅ {unit} was merged into {target}."),
    }[change.action]
    await reply(
        update,
        context,
        Markup(done).format(
            unit=change.unit.name, target=change.target.name if change.target else "", name=change.name or ""
        ),
    )
    context.application.create_task(context.scheduler.outbox.deliver(), update=update)


@requires(Role.ADMIN)
async def units_tree(update: Update, context: ChiboContext) -> None:
    """Show the tree of units with each unit's people."""
    t = context.t
    lines: list[Markup] = []
    for node in await admin.tree(context.db):
        indent = Markup("    " * node.depth)
        kind = t("committee") if node.is_committee else t("cell")
        lines.append(
            indent
            + Markup("<b>{name}</b> (<code>{code}</code>) · {kind}").format(
                name=node.unit.name, code=node.unit.code, kind=kind
            )
        )
        for person in node.people:
            lines.append(
                indent
                + Markup("    • {name} — {role}").format(
                    name=person.display_name, role=role_name(person.role, t)
                )
            )
        if not node.people and node.depth > 0:
            lines.append(indent + Markup("    ") + Markup("<i>{none}</i>").format(none=t("nobody yet")))
    await reply(update, context, Markup("\n").join(lines))


@requires(Role.ADMIN)
async def invite(update: Update, context: ChiboContext) -> None:
    """Create an invitation link: /invite unit-code role."""
    t = context.t
    parts = args_text(update).split(maxsplit=1)
    if not parts:
        await reply(
            update,
            context,
            t(
                "Write the unit code and the role, for example:\n<code>/invite cb-honda bí thư</code>\n"
                "Roles: bí thư (secretary), cấp ủy (committee member), quản trị (admin)."
            ),
        )
        return
    if len(parts) == 1:
        await reply(
            update,
            context,
            Markup(
                t(
                    "The role is missing: write it after the unit code, for example "
                    "<code>/invite {code} bí thư</code> (or cấp ủy, quản trị)."
                )
            ).format(code=parts[0]),
        )
        return
    try:
        token, invitation, unit = await admin.invite(
            context.db,
            _actor_id(context),
            parts[0],
            parts[1],
            context.now(),
            context.settings.invitation_days,
        )
    except UserError as error:
        await user_error(update, context, error)
        return
    expires = invitation.expires_at.astimezone(context.settings.timezone)
    if channel_of(context) != TELEGRAM:
        # Zalo has no deep links: the invited person sends the command (on Zalo or Telegram).
        await reply(
            update,
            context,
            Markup(
                t(
                    "Invitation no. {number}: {role} of <b>{unit}</b>, valid until {until}.\n"
                    "Send this to that person only; it works once. They send me:\n<code>/start {token}</code>"
                )
            ).format(
                number=invitation.id,
                role=role_name(invitation.role, t),
                unit=unit.name,
                until=t.datetime(expires),
                token=token,
            ),
        )
        return
    link = f"https://t.me/{context.bot.username}?start={token}"
    await reply(
        update,
        context,
        Markup(
            t(
                "Invitation no. {number}: {role} of <b>{unit}</b>, valid until {until}.\n"
                "Send this link to that person only; it works once:\n{link}\n\n"
                "Or they send me: <code>/start {token}</code>"
            )
        ).format(
            number=invitation.id,
            role=role_name(invitation.role, t),
            unit=unit.name,
            until=t.datetime(expires),
            link=link,
            token=token,
        ),
    )


@requires(Role.ADMIN)
async def invites(update: Update, context: ChiboContext) -> None:
    """List the invitations not used yet."""
    t = context.t
    pending = await admin.open_invitations(context.db, context.now())
    if not pending:
        await reply(update, context, t("No invitation is waiting to be used."))
        return
    lines = [Markup(t("Invitations not used yet (revoke one with /uninvite number):"))]
    for invitation, unit, creator in pending:
        lines.append(
            Markup(t("no. {number}: {role} of {unit}, valid until {until}, made by {creator}")).format(
                number=invitation.id,
                role=role_name(invitation.role, t),
                unit=unit.name,
                until=t.datetime(invitation.expires_at.astimezone(context.settings.timezone)),
                creator=creator.display_name if creator is not None else t("chibo itself (command line)"),
            )
        )
    await reply(update, context, Markup("\n").join(lines))


@requires(Role.ADMIN)
async def uninvite(update: Update, context: ChiboContext) -> None:
    """Revoke an invitation by its number."""
    t = context.t
    try:
        invitation = await admin.uninvite(context.db, _actor_id(context), args_text(update), context.now())
    except UserError as error:
        await user_error(update, context, error)
        return
    await reply(
        update,
        context,
        Markup(t("Invitation no. {number} is revoked; its link no longer works.")).format(
            number=invitation.id
        ),
    )


@requires(Role.ADMIN)
async def users_list(update: Update, context: ChiboContext) -> None:
    """List the registered users."""
    t = context.t
    registered = await admin.list_users(context.db)
    if not registered:
        await reply(update, context, t("Nobody has registered yet. Invite people with /invite."))
        return
    lines = [Markup(t("Registered users (revoke access with /revoke id):"))]
    for user, unit in registered:
        lines.append(
            Markup(t("• <b>{name}</b> — {role}, {unit} — id <code>{id}</code>")).format(
                name=user.display_name,
                role=role_name(user.role, t),
                unit=unit.name if unit else "",
                id=admin.account_label(user),
            )
        )
    await reply(update, context, Markup("\n").join(lines))


@requires(Role.ADMIN)
async def revoke(update: Update, context: ChiboContext) -> None:
    """Take away a user's access: /revoke user-id."""
    t = context.t
    target = args_text(update)
    try:
        channel, key = admin.parse_account(target)
    except UserError as error:
        await user_error(update, context, error)
        return
    if is_configured_admin(context.settings, channel, key):
        await reply(
            update,
            context,
            t("This person is an admin by configuration (CHIBO_ADMINS); remove them there."),
        )
        return
    actor = context.actor
    try:
        user = await admin.revoke_user(context.db, actor.user if actor else None, target, context.now())
    except UserError as error:
        await user_error(update, context, error)
        return
    await clear_user_menu(context.bot, context.db, user)
    await reply(
        update,
        context,
        Markup(t("{name} no longer has access to chibo.")).format(name=user.display_name),
    )


def register(app: ChiboApp, group: int) -> None:
    """Add the admin commands to the application."""
    app.add_handler(CommandHandler("addunit", addunit), group)
    app.add_handler(CommandHandler("units", units_tree), group)
    app.add_handler(CommandHandler("moveunit", moveunit), group)
    app.add_handler(CommandHandler("renameunit", renameunit), group)
    app.add_handler(CommandHandler("mergecells", mergecells), group)
    app.add_handler(CallbackQueryHandler(tree_pressed, pattern=callbacks.pattern("ut")), group)
    app.add_handler(CommandHandler("invite", invite), group)
    app.add_handler(CommandHandler("invites", invites), group)
    app.add_handler(CommandHandler("uninvite", uninvite), group)
    app.add_handler(CommandHandler("users", users_list), group)
    app.add_handler(CommandHandler("revoke", revoke), group)
