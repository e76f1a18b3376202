// The dashboard's one script (bot/channels/web/dashboard.py serves it; the page has no other).
//
// In the Telegram Mini App (body data-mode="telegram") it reads initData as Telegram's own script
// does: from Telegram.WebApp when telegram-web-app.js is there, else from the URL fragment
// (#tgWebAppData=...), kept in sessionStorage so a reload still has it. It then asks the server for
// each page with "Authorization: tma <initData>" and follows the page's links and period form in
// place, with the history (and Telegram's back button, when Telegram's script is there).
// Behind a Zalo link (data-mode="link") the page is whole already: the script only loads the charts.
// The HTML it puts in the page is the server's own, written with every value escaped.
//
// A record's "Open in the chat" is a t.me deep link to the bot (?start=record-m12). In the Mini App it
// is opened as Telegram's openTelegramLink opens one: the event web_app_open_tg_link, sent the way
// Telegram's own script sends events (the phones' TelegramWebviewProxy, Telegram Desktop's
// window.external.notify, or a message to Telegram Web's parent frame); then the Mini App closes, so
// the chat shows the record with its "Send back for revision" button. Outside Telegram the link is
// followed as any link.
"use strict";

(function () {
  const mode = document.body.dataset.mode;
  const view = document.getElementById("view");
  const tg = window.Telegram && window.Telegram.WebApp ? window.Telegram.WebApp : null;
  const STORED = "chibo-dashboard-init-data";
  let depth = 0;

  function fragment() {
    return new URLSearchParams(location.hash.slice(1));
  }

  function initData() {
    if (tg && tg.initData) return tg.initData;
    const given = fragment().get("tgWebAppData");
    try {
      if (given) sessionStorage.setItem(STORED, given);
      return given || sessionStorage.getItem(STORED) || "";
    } catch (error) {
      return given || "";
    }
  }

  function applyTheme() {
    let params = tg && tg.themeParams ? tg.themeParams : null;
    if (!params) {
      try {
        params = JSON.parse(fragment().get("tgWebAppThemeParams") || "{}");
      } catch (error) {
        params = {};
      }
    }
    for (const [key, value] of Object.entries(params || {})) {
      if (typeof value === "string" && /^#[0-9a-fA-F]{3,8}$/.test(value)) {
        document.documentElement.style.setProperty(`--tg-theme-${key.replace(/_/g, "-")}`, value);
      }
    }
  }

  function address(search) {
    if (mode === "telegram") return `/dashboard/tg${search}`;
    return `${location.pathname}${search}${search.includes("?") ? "&" : "?"}fragment=1`;
  }

  async function fetchPage(search) {
    const headers = mode === "telegram" ? { Authorization: `tma ${initData()}` } : {};
    const response = await fetch(address(search), { headers, credentials: "omit", cache: "no-store" });
    const text = await response.text();
    return { ok: response.ok, status: response.status, text };
  }

  function showText(text) {
    const note = document.createElement("p");
    note.className = "error";
    note.setAttribute("role", "alert");
    note.textContent = text;
    view.replaceChildren(note);
  }

  async function loadCharts() {
    for (const section of view.querySelectorAll("section[data-load]")) {
      const search = section.dataset.load;
      section.removeAttribute("data-load");
      section.setAttribute("aria-busy", "true");
      try {
        const page = await fetchPage(search);
        if (page.ok) section.innerHTML = page.text;
      } finally {
        section.removeAttribute("aria-busy");
      }
    }
  }

  async function load(search, push) {
    view.setAttribute("aria-busy", "true");
    try {
      const page = await fetchPage(search);
      if (page.status === 403) {
        showText(page.text);
        return;
      }
      view.innerHTML = page.text;
      if (push) {
        history.pushState({ search }, "", `/dashboard${search}`);
        depth += 1;
      }
      if (tg && tg.BackButton) depth > 0 ? tg.BackButton.show() : tg.BackButton.hide();
      window.scrollTo(0, 0);
      await loadCharts();
    } catch (error) {
      showText(`${error.message}`);
    } finally {
      view.removeAttribute("aria-busy");
    }
  }

  // Send an event to the Telegram app, as telegram-web-app.js does (core.telegram.org/api/web-events).
  function postEvent(type, data) {
    const proxy = window.TelegramWebviewProxy;
    if (proxy && typeof proxy.postEvent === "function") {
      proxy.postEvent(type, JSON.stringify(data));
      return true;
    }
    if (window.external && "notify" in window.external) {
      window.external.notify(JSON.stringify({ eventType: type, eventData: data }));
      return true;
    }
    if (window.parent !== window) {
      // Telegram's script does not restrict the target either: the event carries no secret.
      window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data }), "*");
      return true;
    }
    return false;
  }

  function openTelegramLink(link) {
    const url = new URL(link.href);
    if (url.protocol !== "https:" || url.hostname !== "t.me") return false;
    if (tg && typeof tg.openTelegramLink === "function") {
      tg.openTelegramLink(url.href);
      tg.close();
      return true;
    }
    if (!postEvent("web_app_open_tg_link", { path_full: url.pathname + url.search })) return false;
    postEvent("web_app_close", {});
    return true;
  }

  function searchOf(form) {
    const params = new URLSearchParams(new FormData(form));
    if (params.get("period") !== "range") {
      params.delete("from");
      params.delete("to");
    }
    return `?${params.toString()}`;
  }

  if (mode === "telegram") {
    applyTheme();
    if (tg) {
      tg.ready();
      tg.expand();
      if (tg.BackButton) tg.BackButton.onClick(() => history.back());
    }
    if (!initData()) {
      showText("403: mở trang này từ bot chibo trong Telegram. / Open this page from the chibo bot in Telegram.");
      return;
    }
    view.addEventListener("click", (event) => {
      const chat = event.target.closest("a.to-chat");
      if (chat && !event.defaultPrevented && event.button === 0) {
        if (openTelegramLink(chat)) event.preventDefault();
        return;
      }
      const link = event.target.closest("a[href^='?']");
      if (!link || event.defaultPrevented || event.button !== 0) return;
      event.preventDefault();
      load(link.getAttribute("href"), true);
    });
    view.addEventListener("submit", (event) => {
      const form = event.target.closest("form.period");
      if (!form) return;
      event.preventDefault();
      load(searchOf(form), true);
    });
    window.addEventListener("popstate", (event) => {
      depth = Math.max(0, depth - 1);
      load(event.state && event.state.search ? event.state.search : location.search, false);
    });
    load(location.search, false);
  } else if (mode === "link") {
    view.addEventListener("submit", (event) => {
      const form = event.target.closest("form.period");
      if (!form) return;
      event.preventDefault();
      location.search = searchOf(form);
    });
    loadCharts();
  }
})();
