"""The dashboard's routes: a Telegram Mini App and the same pages behind Zalo's signed links.

    GET /dashboard                   the Mini App's shell: no data at all, only the page's script
    GET /dashboard/tg?view=...       a page's HTML for the Mini App; the Authorization header holds
                                     "tma <initData>", checked as Telegram specifies (initdata.py)
    GET /dashboard/link/{token}?...  a whole page for a signed link (Zalo), read-only, 24 hours at most
    GET /dashboard/static/{name}     the script and the style sheet shipped in the package

Who asks is found from the initData's user id (a Telegram account) or the link's user (chibo's own
number), then their role: a committee member sees their committee's subtree, a secretary their cell,
an admin everything (bot/features/access.py). Everything read goes through storage.dashboard.Scope.
A request without valid credentials gets 403 and no name of any unit; a unit outside the viewer's
scope gets 404, the same as a unit that does not exist.

Every answer carries a strict Content-Security-Policy (only this package's script and style sheet,
no inline script or style, nothing from elsewhere), no-referrer (a link's token never leaks to
another site) and no-store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources

from aiohttp import web
from markupsafe import Markup

from bot.channels.web import pages
from bot.channels.web.initdata import InvalidInitData, validate
from bot.channels.web.signed import DASHBOARD_LINK_PATH, DashboardLinks
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.errors import UserError
from bot.features import dashboard as d
from bot.features.access import TELEGRAM, effective_role
from bot.features.calendar import load_calendar
from bot.i18n import Translator, pick_locale, translator
from storage import units, users
from storage.dashboard import OutOfScope, Scope
from storage.database import Database
from storage.models import Role, User, parse_id

log = logging.getLogger(__name__)

PATH = "/dashboard"
TELEGRAM_VIEW = PATH + "/tg"
STATIC = PATH + "/static"
_STATIC = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
# Telegram Web (web.telegram.org) shows a Mini App in a frame; the phone apps in their own web view.
TELEGRAM_FRAMES = ("https://web.telegram.org",)
FORBIDDEN = "403: this page needs to be opened from the bot (Telegram or Zalo). / Hãy mở trang này từ bot."


@dataclass(frozen=True)
class Viewer:
    """Who a request is for: the user, their role, the unit they see from, their language."""

    user: User
    role: Role
    unit_id: int
    t: Translator


def _policy(frames: Sequence[str]) -> str:
    ancestors = " ".join(["'self'", *frames])
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}"
    )


class Dashboard:
    """Serves the dashboard from the deployment's web server."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        links: DashboardLinks | None,
        *,
        clock: Clock = system_clock,
        frame_ancestors: Sequence[str] = TELEGRAM_FRAMES,
        bot_username: Callable[[], str | None] = lambda: None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.links = links
        self.clock = clock
        # The Telegram bot's username, known once it has started (getMe): the deep links to records.
        self.bot_username = bot_username
        self.headers = {
            "Content-Security-Policy": _policy(frame_ancestors),
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        }

    def routes(self) -> list[web.RouteDef]:
        """Return the dashboard's routes."""
        return [
            web.get(PATH, self._shell),
            web.get(TELEGRAM_VIEW, self._telegram),
            web.get(DASHBOARD_LINK_PATH + "/{token}", self._link),
            web.get(STATIC + "/{name}", self._static),
        ]

    # ----- answers ------------------------------------------------------------------------------

    def _html(self, text: str, status: int = 200) -> web.Response:
        return web.Response(
            text=text, status=status, content_type="text/html", charset="utf-8", headers=self.headers
        )

    def _forbidden(self) -> web.Response:
        return web.Response(text=FORBIDDEN, status=403, content_type="text/plain", headers=self.headers)

    async def _shell(self, request: web.Request) -> web.Response:
        """Return the Mini App's page: its script reads the initData and asks for the real page."""
        t = translator(self.settings.locale)
        body = Markup('<p class="loading">…</p>')
        return self._html(pages.document(body, t, mode="telegram", title="chibo"))

    async def _static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in _STATIC:
            raise web.HTTPNotFound()
        text = resources.files("bot.channels.web.static").joinpath(name).read_text(encoding="utf-8")
        return web.Response(text=text, content_type=_STATIC[name], charset="utf-8", headers=self.headers)

    async def _telegram(self, request: web.Request) -> web.Response:
        """Return a page's HTML for the Mini App, when its initData is Telegram's and recent."""
        scheme, _, init_data = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "tma" or not self.settings.token:
            return self._forbidden()
        try:
            signed = validate(
                init_data,
                self.settings.token,
                self.clock(),
                timedelta(hours=self.settings.webapp_max_age_hours),
            )
        except InvalidInitData as exc:
            log.info("dashboard: initData refused (%s)", exc)
            return self._forbidden()
        user = await users.by_external(self.db, TELEGRAM, str(signed.id))
        viewer = self._viewer(user, signed.language_code)
        if viewer is None:
            return self._forbidden()
        body = await self._page(request, viewer, telegram=True)
        return self._html(str(body[0]), body[1])

    async def _link(self, request: web.Request) -> web.Response:
        """Return a whole page for a signed link, while it is valid and its recipient has access."""
        user_id = self.links.user_of(request.match_info["token"]) if self.links else None
        user = await users.get(self.db, user_id) if user_id is not None else None
        viewer = self._viewer(user, None)
        if viewer is None:
            return self._forbidden()
        body, status = await self._page(request, viewer, telegram=False)
        if request.query.get("fragment") == "1":
            return self._html(str(body), status)
        until = viewer.t.datetime(self._expiry(request.match_info["token"]))
        page = pages.read_only_note(until, viewer.t) + body
        return self._html(pages.document(page, viewer.t, mode="link", title="chibo"), status)

    def _expiry(self, token: str) -> datetime:
        """Return when a valid link's token stops working, in the deployment's zone."""
        return datetime.fromtimestamp(int(token.split(".")[1]), tz=self.settings.timezone)

    def _viewer(self, user: User | None, language_code: str | None) -> Viewer | None:
        """Return who a user is on the dashboard, or None when they have no access."""
        if user is None or not user.active:
            return None
        role = effective_role(self.settings, user.channel, user.external_id, user)
        if role is None:
            return None
        unit_id = units.ROOT_ID if role is Role.ADMIN else user.unit_id
        if unit_id is None:
            return None
        locale = pick_locale(user.language, language_code, self.settings.locale)
        return Viewer(user, role, unit_id, translator(locale))

    # ----- pages --------------------------------------------------------------------------------

    def _send_back(self, viewer: Viewer, *, telegram: bool) -> pages.SendBack | None:
        """Return how a viewer reaches a record's page in the chat to send it back, if they may: a
        committee member or an admin (bot/features/review.may_review; their scope is their subtree)."""
        if viewer.role not in (Role.COMMITTEE, Role.ADMIN):
            return None
        return pages.SendBack(self.bot_username() if telegram else None)

    async def _page(self, request: web.Request, viewer: Viewer, *, telegram: bool) -> tuple[Markup, int]:
        """Return the HTML of the page a request asks for, and its status."""
        t = viewer.t
        query = pages.Query(request.query)
        today = self.clock().astimezone(self.settings.timezone).date()
        notice = Markup("")
        try:
            period = d.period_of(query.get("period"), query.get("from"), query.get("to"), today)
        except UserError as problem:
            notice = pages.error(problem.render(t), t)
            period = d.period_of("", "", "", today)
        scope = await Scope.of(self.db, viewer.unit_id)
        unit_id = parse_id(query.get("unit", str(scope.root_id)))
        page_number = parse_id(query.get("page", "1"))
        if unit_id is None or page_number is None:
            return pages.error(t("This page does not exist."), t), 404
        calendar = await load_calendar(self.db)
        zone = self.settings.timezone
        view = query.get("view")
        try:
            if view == "cell":
                cell = await d.cell_page(self.db, scope, unit_id, period, today, calendar, zone)
                body = pages.cell_page(cell, query, t, self._send_back(viewer, telegram=telegram))
            elif view == "deadlines":
                due = await d.deadlines(self.db, scope, unit_id, today, calendar, page=page_number)
                body = pages.deadlines_page(due, query, t)
            elif view == "charts":
                body = pages.charts_section(await d.charts(self.db, scope, unit_id, period, today), t)
            elif view in ("", "cells"):
                table = await d.table(
                    self.db,
                    scope,
                    unit_id,
                    period,
                    today,
                    calendar,
                    zone,
                    sort=d.sort_of(query.get("sort")),
                    descending=query.get("dir") == "desc",
                    page=page_number,
                )
                body = pages.table_page(table, query, t)
            else:
                return pages.error(t("This page does not exist."), t), 404
        except (OutOfScope, LookupError):
            # Outside the viewer's part of the tree, or no such unit: the same answer for both.
            return pages.error(t("This page does not exist."), t), 404
        return notice + body, 200
