// The sandbox page: a chat app on a phone over the Bot API emulator's control API (/_emu/).
// Each persona has its own chat, long-polled all the time so a message to someone else shows as
// unread. The bot's HTML is rendered by a small parser that knows only Telegram's tags: any other
// markup is shown as the text it is, never given to the browser as HTML.
"use strict";

const TEXTS = {
  vi: {
    tagline: "Thử chibo ngay trên trình duyệt",
    you_are: "Bạn đang là",
    scheduler: "Bộ lập lịch",
    scheduler_hint: "Chạy ngay, không phải chờ lịch",
    run_digest: "Chạy bản tin tuần ngay",
    run_reminders: "Chạy nhắc việc ngay",
    run_digest_short: "Chạy bản tin tuần",
    run_reminders_short: "Chạy nhắc việc",
    bot: "bot",
    typing: "đang trả lời…",
    offline: "Mất kết nối với sandbox, đang thử lại…",
    menu: "Menu",
    attach: "Gửi ảnh hoặc tệp",
    send: "Gửi",
    placeholder: "Tin nhắn",
    edited: "đã sửa",
    today: "Hôm nay",
    download: "Tải về",
    photo: "Ảnh",
    no_commands: "Chưa có lệnh nào.",
    sent_as_admin: "Đã gửi {command} với tư cách quản trị",
    bot_language: "Trang đã chuyển sang tiếng Việt; bot nói ngôn ngữ mỗi người chọn bằng /language.",
    roles: { secretary: "Bí thư chi bộ", committee: "Cấp ủy viên", admin: "Quản trị" },
    roles_short: { secretary: "Bí thư", committee: "Cấp ủy", admin: "Quản trị" },
    about:
      "Đây là chibo thật, chạy trên máy của bạn với một Telegram giả lập: không cần tài khoản " +
      "Telegram, không cần Internet. Dữ liệu mẫu: {committee}, 13 chi bộ, 99 đảng viên. " +
      "Mọi thứ mất đi khi tắt sandbox.",
    ok: "OK",
    close: "Đóng",
    mini_app: "ứng dụng nhỏ",
  },
  en: {
    tagline: "Try chibo in your browser",
    you_are: "You are",
    scheduler: "Scheduler",
    scheduler_hint: "Run now instead of waiting",
    run_digest: "Run the weekly digest now",
    run_reminders: "Run reminders now",
    run_digest_short: "Run the digest",
    run_reminders_short: "Run reminders",
    bot: "bot",
    typing: "typing…",
    offline: "Lost the connection to the sandbox, retrying…",
    menu: "Menu",
    attach: "Send a photo or a file",
    send: "Send",
    placeholder: "Message",
    edited: "edited",
    today: "Today",
    download: "Download",
    photo: "Photo",
    no_commands: "No commands yet.",
    sent_as_admin: "Sent {command} as the admin",
    bot_language: "The page is in English now; the bot speaks Vietnamese until you send /language.",
    roles: { secretary: "Cell secretary", committee: "Committee member", admin: "Admin" },
    roles_short: { secretary: "Secretary", committee: "Committee", admin: "Admin" },
    about:
      "This is the real chibo, running on your machine against an emulated Telegram: no Telegram " +
      "account, no internet. Demo data: {committee}, 13 cells, 99 members. Everything is gone " +
      "when the sandbox stops.",
    ok: "OK",
    close: "Close",
    mini_app: "mini app",
  },
};

const POLL_SECONDS = 25;
const TYPING_MS = 10000;
const $ = (id) => document.getElementById(id);

const app = {
  lang: localStorage.getItem("chibo-sandbox-lang") === "en" ? "en" : "vi",
  state: null,
  personas: [],
  active: null,
};

function t(key) {
  return TEXTS[app.lang][key];
}

// ------------------------------------------------------------------ the bot's HTML, safely

// Telegram's tags (https://core.telegram.org/bots/api#html-style) and what each becomes here.
const TAGS = {
  b: "b", strong: "b", i: "i", em: "i", u: "u", ins: "u", s: "s", strike: "s", del: "s",
  code: "code", pre: "pre", blockquote: "blockquote", a: "a", span: "span",
  "tg-spoiler": "span", "tg-emoji": "span",
};
const ENTITIES = { lt: "<", gt: ">", amp: "&", quot: '"' };
const TOKEN = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*>|&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);|[^<&]+|[<&]/g;
const ATTRIBUTE = /([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;

function attributes(source) {
  const found = {};
  for (const m of source.matchAll(ATTRIBUTE)) {
    found[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? "");
  }
  return found;
}

function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (all, name) => entity(name) ?? all);
}

function entity(name) {
  if (name[0] === "#") {
    const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : null;
  }
  return ENTITIES[name.toLowerCase()] ?? null;
}

function element(tag, attrs) {
  const name = TAGS[tag];
  const el = document.createElement(name);
  if (tag === "a") {
    const href = attrs.href || "";
    if (/^(https?:|mailto:|tg:)/i.test(href)) {
      el.href = href;
      el.target = "_blank";
      el.rel = "noopener noreferrer";
    }
  } else if (tag === "tg-spoiler" || (tag === "span" && attrs.class === "tg-spoiler")) {
    el.className = "spoiler";
    el.addEventListener("click", () => el.classList.add("shown"));
  } else if (tag === "code" && /^language-[\w+-]+$/.test(attrs.class || "")) {
    el.className = attrs.class;
  } else if (tag === "blockquote" && "expandable" in attrs) {
    el.className = "expandable";
    el.addEventListener("click", () => el.classList.toggle("open"));
  }
  return el;
}

// Render Telegram HTML into target: known tags become elements, everything else stays text.
function renderHtml(html, target) {
  const stack = [{ tag: null, el: target }];
  const top = () => stack[stack.length - 1];
  const plain = () => stack.some((s) => s.tag === "code" || s.tag === "pre" || s.tag === "a");
  let text = ""; // text between two tags, entities decoded, so a command is seen whole
  let before = ""; // all the text so far
  const flush = () => {
    if (text) appendText(top().el, text, plain(), before);
    before += text;
    text = "";
  };
  for (const m of html.matchAll(TOKEN)) {
    const [all, closing, rawTag, rawAttrs, entityName] = m;
    const tag = rawTag ? rawTag.toLowerCase() : null;
    if (tag && tag in TAGS && !closing) {
      flush();
      const el = element(tag, attributes(rawAttrs || ""));
      top().el.appendChild(el);
      stack.push({ tag, el });
    } else if (tag && tag in TAGS && closing && stack.some((s) => s.tag === tag)) {
      flush();
      while (stack.length > 1 && stack.pop().tag !== tag);
    } else if (entityName !== undefined) {
      text += entity(entityName) ?? all;
    } else {
      text += all;
    }
  }
  flush();
}

// Text, with /commands made clickable as Telegram does: a slash and a letter after a space or the
// start (not inside code or links, nor "5/12" after a bold "5": `before` is the preceding text).
function appendText(parent, text, plain, before = "") {
  if (plain) {
    parent.appendChild(document.createTextNode(text));
    return;
  }
  const command = /(^|[\s(])(\/[a-zA-Z][a-zA-Z0-9_]{0,31})(?=$|[\s.,;:!?)])/g;
  let last = 0;
  for (const m of text.matchAll(command)) {
    if (m.index === 0 && m[1] === "" && before && !/[\s(]$/.test(before)) continue;
    const start = m.index + m[1].length;
    parent.appendChild(document.createTextNode(text.slice(last, start)));
    const link = document.createElement("button");
    link.type = "button";
    link.className = "command";
    link.textContent = m[2];
    link.addEventListener("click", () => sendText(app.active, m[2]));
    parent.appendChild(link);
    last = start + m[2].length;
  }
  parent.appendChild(document.createTextNode(text.slice(last)));
}

// ------------------------------------------------------------------ talking to the emulator

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `${response.status} ${response.statusText}`);
  return body;
}

function post(path, body) {
  return api(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function sendText(persona, text) {
  const clean = text.trim();
  if (!clean) return;
  hideMenu();
  try {
    await post(`/_emu/users/${persona.id}/send`, { text: clean });
    expectReply(persona);
  } catch (error) {
    toast(error.message);
  }
}

async function press(persona, messageId, data, button) {
  const row = button.closest(".buttons");
  row.classList.add("busy");
  button.classList.add("pressed");
  try {
    const { update_id: updateId } = await post(`/_emu/users/${persona.id}/press`, {
      message_id: messageId,
      data,
    });
    expectReply(persona);
    const answer = await api(`/sandbox/answers/${updateId}?timeout=5`);
    if (answer.text) toast(answer.text, answer.show_alert);
  } catch (error) {
    toast(error.message);
  } finally {
    row.classList.remove("busy");
    button.classList.remove("pressed");
  }
}

async function upload(persona, file) {
  const form = new FormData();
  form.append("file", file, file.name);
  const kind = file.type.startsWith("image/") ? "photo" : "document";
  try {
    const response = await fetch(`/_emu/users/${persona.id}/${kind}`, { method: "POST", body: form });
    if (!response.ok) throw new Error((await response.json()).error || response.statusText);
    expectReply(persona);
  } catch (error) {
    toast(error.message);
  }
}

async function poll(persona) {
  let delay = 500;
  for (;;) {
    try {
      const data = await api(
        `/_emu/chats/${persona.id}/messages?after=${persona.seq}&timeout=${persona.seq ? POLL_SECONDS : 0}`,
      );
      setOnline(true);
      delay = 500;
      persona.seq = data.seq;
      persona.keyboard = data.reply_keyboard;
      persona.menuButton = data.menu_button;
      for (const message of data.messages) receive(persona, message);
      if (persona === app.active) {
        renderKeyboard();
        renderMenuButton();
      }
    } catch (error) {
      setOnline(false);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }
}

// ------------------------------------------------------------------ the chat

function receive(persona, message) {
  const known = persona.messages.has(message.message_id);
  if (message.deleted) {
    persona.messages.delete(message.message_id);
    persona.log.querySelector(`[data-id="${message.message_id}"]`)?.remove();
    return;
  }
  persona.messages.set(message.message_id, message);
  const node = renderMessage(persona, message);
  const old = persona.log.querySelector(`[data-id="${message.message_id}"]`);
  const stick = persona === app.active && nearBottom();
  if (old) {
    old.replaceWith(node);
  } else {
    const after = [...persona.log.querySelectorAll(".msg")].find((n) => Number(n.dataset.id) > message.message_id);
    persona.log.insertBefore(node, after || persona.typing);
  }
  if (message.from_bot && !known) {
    stopTyping(persona);
    if (persona !== app.active && persona.loaded) {
      persona.unread += 1;
      persona.firstUnread ??= message.message_id;
    }
  }
  const newest = persona.messages.get(Math.max(...persona.messages.keys()));
  persona.preview = previewOf(newest);
  renderPersonaTab(persona);
  if (stick || (persona === app.active && !message.from_bot)) scrollToBottom();
}

function previewOf(message) {
  const text = message.text || message.caption || (message.kind === "photo" ? t("photo") : message.file?.file_name) || "";
  const shown = displayText(message, text);
  return (message.from_bot ? "" : "› ") + shown.split("\n")[0];
}

// A deep link's /start carries the invitation token; Telegram shows only "/start", and so do we.
function displayText(message, text) {
  return !message.from_bot && /^\/start\s+\S{16,}$/.test(text) ? "/start" : text;
}

function time(seconds) {
  return new Date(seconds * 1000).toLocaleTimeString(app.lang === "vi" ? "vi-VN" : "en-GB", {
    hour: "2-digit",
    minute: "2-digit",
  });
}

function renderMessage(persona, message) {
  const node = document.createElement("div");
  node.className = `msg ${message.from_bot ? "bot" : "me"}`;
  node.dataset.id = message.message_id;
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  node.appendChild(bubble);

  if (message.kind === "photo" && message.file) {
    bubble.classList.add("has-photo");
    const link = document.createElement("a");
    link.href = message.file.url;
    link.target = "_blank";
    link.rel = "noopener";
    const img = document.createElement("img");
    img.className = "photo";
    img.src = message.file.url;
    img.alt = message.caption || t("photo");
    img.addEventListener("load", () => persona === app.active && nearBottom(img.height + 160) && scrollToBottom());
    link.appendChild(img);
    bubble.appendChild(link);
  } else if (message.kind === "document" && message.file) {
    const doc = document.createElement("a");
    doc.className = "document";
    doc.href = message.file.url;
    doc.download = message.file.file_name || "file";
    const icon = document.createElement("span");
    icon.className = "doc-icon";
    icon.textContent = (message.file.file_name || "").split(".").pop().slice(0, 4).toUpperCase() || "FILE";
    const info = document.createElement("span");
    info.className = "doc-info";
    const name = document.createElement("span");
    name.className = "doc-name";
    name.textContent = message.file.file_name || "file";
    const size = document.createElement("span");
    size.className = "doc-size";
    size.textContent = `${formatSize(message.file.size)} · ${t("download")}`;
    info.append(name, size);
    doc.append(icon, info);
    bubble.appendChild(doc);
  } else if (message.kind === "sticker") {
    bubble.classList.add("sticker");
  }

  const html = message.html ?? message.caption_html;
  const text = message.text ?? message.caption;
  if (html || text) {
    const body = document.createElement("div");
    body.className = "text";
    if (html) renderHtml(html, body);
    else appendText(body, displayText(message, text), !message.from_bot);
    bubble.appendChild(body);
  }

  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = (message.edited ? `${t("edited")} ` : "") + time(message.date);
  bubble.appendChild(meta);

  if (message.buttons.length) {
    const keyboard = document.createElement("div");
    keyboard.className = "buttons";
    for (const row of message.buttons) {
      const line = document.createElement("div");
      line.className = "row";
      for (const [label, value, kind] of row) {
        const url = kind !== "web_app" && typeof value === "string" && /^(https?:|tg:)/i.test(value);
        const button = document.createElement(url ? "a" : "button");
        button.className = "inline";
        button.textContent = label;
        if (kind === "web_app") {
          button.type = "button";
          button.classList.add("web-app");
          button.addEventListener("click", () => openWebApp(persona, value, label));
        } else if (url) {
          button.href = value;
          button.target = "_blank";
          button.rel = "noopener noreferrer";
        } else {
          button.type = "button";
          button.addEventListener("click", () => press(persona, message.message_id, value, button));
        }
        line.appendChild(button);
      }
      keyboard.appendChild(line);
    }
    node.appendChild(keyboard);
  }
  return node;
}

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function expectReply(persona) {
  persona.typing.hidden = false;
  clearTimeout(persona.typingTimer);
  persona.typingTimer = setTimeout(() => stopTyping(persona), TYPING_MS);
  if (persona === app.active) {
    $("status").textContent = t("typing");
    $("status").classList.add("typing");
    scrollToBottom();
  }
}

function stopTyping(persona) {
  clearTimeout(persona.typingTimer);
  persona.typing.hidden = true;
  if (persona === app.active) {
    $("status").textContent = t("bot");
    $("status").classList.remove("typing");
  }
}

function nearBottom(slack = 120) {
  const chat = $("chat");
  return chat.scrollHeight - chat.scrollTop - chat.clientHeight < slack;
}

function scrollToBottom() {
  const chat = $("chat");
  chat.scrollTop = chat.scrollHeight;
}

function renderKeyboard() {
  const box = $("reply-keyboard");
  const rows = app.active.keyboard;
  box.replaceChildren();
  box.hidden = !rows || !rows.length;
  for (const row of rows || []) {
    const line = document.createElement("div");
    line.className = "row";
    for (const label of row) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      button.addEventListener("click", () => sendText(app.active, label));
      line.appendChild(button);
    }
    box.appendChild(line);
  }
}

// ------------------------------------------------------------------ personas

function initials(name) {
  const words = name.trim().split(/\s+/);
  return words[words.length - 1].charAt(0).toUpperCase();
}

function renderPersonaTab(persona) {
  const tab = persona.tab;
  tab.querySelector(".p-role").textContent = t("roles")[persona.role] || persona.role;
  tab.querySelector(".p-role-short").textContent = t("roles_short")[persona.role] || persona.role;
  tab.querySelector(".p-preview").textContent = persona.preview || "";
  const badge = tab.querySelector(".badge");
  badge.textContent = persona.unread > 99 ? "99+" : String(persona.unread);
  badge.hidden = persona.unread === 0;
}

function buildPersona(data) {
  const persona = { ...data, seq: 0, messages: new Map(), unread: 0, preview: "", keyboard: null, loaded: false };
  const tab = document.createElement("button");
  tab.type = "button";
  tab.className = "persona";
  tab.setAttribute("role", "tab");
  tab.dataset.role = data.role;
  tab.dataset.id = data.id;
  tab.innerHTML =
    '<span class="avatar"></span><span class="p-text"><span class="p-top"><span class="p-name"></span>' +
    '<span class="p-short"></span><span class="badge" hidden></span></span><span class="p-role"></span>' +
    '<span class="p-role-short"></span><span class="p-unit"></span><span class="p-preview"></span></span>';
  tab.querySelector(".avatar").textContent = initials(data.name);
  tab.querySelector(".p-name").textContent = data.name;
  tab.querySelector(".p-short").textContent = data.name.trim().split(/\s+/).pop();
  tab.title = data.name;
  tab.querySelector(".p-unit").textContent = data.unit;
  tab.addEventListener("click", () => activate(persona));
  persona.tab = tab;

  persona.log = document.createElement("div");
  persona.log.className = "log";
  persona.log.hidden = true;
  const day = document.createElement("div");
  day.className = "day";
  day.dataset.t = "today";
  persona.log.appendChild(day);
  persona.typing = document.createElement("div");
  persona.typing.className = "msg typing-bubble";
  persona.typing.hidden = true;
  persona.typing.innerHTML = '<div class="bubble"><span></span><span></span><span></span></div>';
  persona.log.appendChild(persona.typing);
  return persona;
}

function activate(persona) {
  if (app.active) {
    app.active.scroll = $("chat").scrollTop;
    app.active.log.hidden = true;
    app.active.tab.classList.remove("active");
    app.active.tab.setAttribute("aria-selected", "false");
  }
  app.active = persona;
  const firstUnread = persona.firstUnread;
  persona.unread = 0;
  persona.firstUnread = undefined;
  persona.log.hidden = false;
  persona.tab.classList.add("active");
  persona.tab.setAttribute("aria-selected", "true");
  document.body.dataset.persona = persona.role;
  renderPersonaTab(persona);
  $("whoami").textContent = `${persona.name} · ${t("roles")[persona.role]}`;
  $("status").textContent = persona.typing.hidden ? t("bot") : t("typing");
  $("status").classList.toggle("typing", !persona.typing.hidden);
  renderKeyboard();
  renderMenuButton();
  hideMenu();
  // As chat apps do: open at the first message not read yet, else where the chat was left.
  const unread = firstUnread && persona.log.querySelector(`[data-id="${firstUnread}"]`);
  if (unread) unread.scrollIntoView({ block: "start" });
  else if (persona.scroll === undefined) scrollToBottom();
  else $("chat").scrollTop = persona.scroll;
  $("input").focus({ preventScroll: true });
}

// ------------------------------------------------------------------ the command menu

let menuAsked = 0; // each opening of the menu counts; hiding it counts too, so a late answer is dropped

async function showMenu(filter) {
  const menu = $("menu");
  const persona = app.active;
  const asked = ++menuAsked;
  let commands = [];
  try {
    commands = (await api(`/_emu/commands?user_id=${persona.id}`)).commands;
  } catch (error) {
    toast(error.message);
    return;
  }
  // The list came back after the message was sent (or the menu was closed, or the text changed):
  // opening it now would show suggestions nobody is typing for.
  if (asked !== menuAsked || persona !== app.active) return;
  if (filter && $("input").value !== filter) return;
  const prefix = (filter || "").slice(1).toLowerCase();
  const shown = commands.filter((c) => c.command.startsWith(prefix));
  menu.replaceChildren();
  if (!shown.length) {
    if (filter) return hideMenu();
    const empty = document.createElement("div");
    empty.className = "menu-empty";
    empty.textContent = t("no_commands");
    menu.appendChild(empty);
  }
  for (const command of shown) {
    const item = document.createElement("button");
    item.type = "button";
    item.className = "menu-item";
    item.setAttribute("role", "option");
    const name = document.createElement("span");
    name.className = "menu-command";
    name.textContent = `/${command.command}`;
    const description = document.createElement("span");
    description.className = "menu-description";
    description.textContent = command.description;
    item.append(name, description);
    item.addEventListener("click", () => {
      $("input").value = "";
      sendText(persona, `/${command.command}`);
    });
    menu.appendChild(item);
  }
  menu.hidden = false;
  $("menu-button").classList.add("open");
}

function hideMenu() {
  menuAsked += 1;
  $("menu").hidden = true;
  $("menu-button").classList.remove("open");
}

// ------------------------------------------------------------------ Mini Apps

// The chat's menu button: Telegram shows a Mini App's button in place of "Menu" when the bot set one
// for the chat (setChatMenuButton); the commands still come up when "/" is typed.
function renderMenuButton() {
  const button = app.active && app.active.menuButton;
  const label = $("menu-button").querySelector("span");
  const webApp = button && button.type === "web_app";
  $("menu-button").classList.toggle("web-app", Boolean(webApp));
  label.textContent = webApp ? button.text : t("menu");
}

// Open a Mini App as Telegram does: the emulator signs the initData with the bot's token and gives
// the address with the launch parameters in its fragment; the page shows it over the chat.
async function openWebApp(persona, url, title) {
  try {
    const opened = await post(`/_emu/users/${persona.id}/webapp`, { url });
    $("webapp-title").textContent = title;
    $("webapp-frame").src = opened.url;
    $("webapp").hidden = false;
    $("webapp-close").focus();
  } catch (error) {
    toast(error.message);
  }
}

function closeWebApp() {
  $("webapp").hidden = true;
  $("webapp-frame").src = "about:blank";
}

// What the Mini App asks of Telegram, as Telegram Web receives it: a JSON message from the frame
// (core.telegram.org/api/web-events). A t.me link to this bot with ?start= is what Telegram's phone
// apps do with it in a chat that already exists: they send "/start <parameter>" at once. Then the
// Mini App asks to be closed.
function webAppEvent(event) {
  if (event.source !== $("webapp-frame").contentWindow || typeof event.data !== "string") return;
  let message;
  try {
    message = JSON.parse(event.data);
  } catch (error) {
    return;
  }
  const persona = app.active;
  if (message.eventType === "web_app_close") {
    closeWebApp();
  } else if (message.eventType === "web_app_open_tg_link" && message.eventData) {
    const url = new URL(String(message.eventData.path_full || ""), "https://t.me");
    const bot = url.pathname.replace(/^\//, "").toLowerCase();
    const start = url.searchParams.get("start");
    if (bot === app.state.bot.username.toLowerCase() && start) sendText(persona, `/start ${start}`);
    else toast(`t.me${url.pathname}${url.search}`);
  }
}

// ------------------------------------------------------------------ the rest of the page

let toastTimer = null;

function toast(text, alert = false) {
  const box = $("toast");
  box.replaceChildren();
  const message = document.createElement("div");
  message.textContent = text;
  box.appendChild(message);
  box.classList.toggle("alert", alert);
  clearTimeout(toastTimer);
  if (alert) {
    const ok = document.createElement("button");
    ok.type = "button";
    ok.textContent = t("ok");
    ok.addEventListener("click", () => (box.hidden = true));
    box.appendChild(ok);
  } else {
    toastTimer = setTimeout(() => (box.hidden = true), 3500);
  }
  box.hidden = false;
}

function setOnline(online) {
  $("offline").hidden = online;
}

function translatePage() {
  document.documentElement.lang = app.lang;
  for (const button of document.querySelectorAll(".lang")) button.textContent = app.lang === "vi" ? "EN" : "VI";
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of document.querySelectorAll("[data-t-title]")) el.title = t(el.dataset.tTitle);
  for (const el of document.querySelectorAll("[data-t-placeholder]")) el.placeholder = t(el.dataset.tPlaceholder);
  if (app.state) $("about").textContent = t("about").replace("{committee}", app.state.committee);
  for (const persona of app.personas) {
    renderPersonaTab(persona);
    for (const message of persona.messages.values()) {
      persona.log.querySelector(`[data-id="${message.message_id}"]`)?.replaceWith(renderMessage(persona, message));
    }
  }
  if (app.active) {
    $("whoami").textContent = `${app.active.name} · ${t("roles")[app.active.role]}`;
    stopTyping(app.active);
    renderMenuButton();
  }
}

async function runAsAdmin(command) {
  const admin = app.personas.find((p) => p.id === app.state.admin_id);
  activate(admin);
  await sendText(admin, command);
  toast(t("sent_as_admin").replace("{command}", command));
}

async function start() {
  translatePage();
  app.state = await api("/sandbox/state");
  $("bot-name").textContent = app.state.bot.name;
  app.personas = app.state.personas.map(buildPersona);
  for (const persona of app.personas) {
    $("personas").appendChild(persona.tab);
    $("chat").appendChild(persona.log);
  }
  translatePage();
  // The first answer of each chat is its history: it is not "unread".
  await Promise.all(
    app.personas.map(async (persona) => {
      const data = await api(`/_emu/chats/${persona.id}/messages?after=0`);
      persona.seq = data.seq;
      persona.keyboard = data.reply_keyboard;
      persona.menuButton = data.menu_button;
      for (const message of data.messages) receive(persona, message);
      persona.loaded = true;
    }),
  );
  activate(app.personas[0]);
  for (const persona of app.personas) poll(persona);

  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("input");
    const text = input.value;
    input.value = "";
    sendText(app.active, text);
  });
  $("input").addEventListener("input", (event) => {
    const value = event.target.value;
    if (value.startsWith("/") && !value.includes(" ")) showMenu(value);
    else hideMenu();
  });
  $("input").addEventListener("keydown", (event) => {
    if (event.key === "Escape") hideMenu();
  });
  $("menu-button").addEventListener("click", () => {
    const button = app.active.menuButton;
    if (button && button.type === "web_app") openWebApp(app.active, button.web_app.url, button.text);
    else if ($("menu").hidden) showMenu("");
    else hideMenu();
  });
  $("webapp-close").addEventListener("click", closeWebApp);
  window.addEventListener("message", webAppEvent);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("webapp").hidden) closeWebApp();
  });
  $("attach").addEventListener("click", () => $("file").click());
  $("file").addEventListener("change", (event) => {
    const [file] = event.target.files;
    if (file) upload(app.active, file);
    event.target.value = "";
  });
  $("run-digest").addEventListener("click", () => runAsAdmin("/digest all"));
  $("run-reminders").addEventListener("click", () => runAsAdmin("/remind"));
  for (const button of document.querySelectorAll(".lang")) {
    button.addEventListener("click", () => {
      app.lang = app.lang === "vi" ? "en" : "vi";
      localStorage.setItem("chibo-sandbox-lang", app.lang);
      translatePage();
      toast(t("bot_language"));
    });
  }
  document.addEventListener("click", (event) => {
    if (!event.target.closest("#menu, #menu-button, #input")) hideMenu();
  });
  document.body.classList.add("ready");
}

start().catch((error) => {
  setOnline(false);
  toast(error.message, true);
});
