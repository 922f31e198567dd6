// The header: areas, search over counterparties and deals, notifications, language and sign-out.
// On a narrow screen the areas fold behind a menu button and the user shows as initials.
import { get, post } from "./api.js";
import { LANGUAGES, dateTime, language, setLanguage, t } from "./i18n.js";
import { session } from "./session.js";
import { debounce, html, nothing, render } from "./ui.js";
import { factText } from "./facts.js";
import { initials } from "./screens/deals-shared.js";
import { openPasswordChange } from "./screens/password.js";

const MENU = html`<svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M4 6h16M4 12h16M4 18h16"/></svg>`;
const BELL = html`<svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M18 8a6 6 0 1 0-12 0c0 7-3 9-3 9h18s-3-2-3-9"/><path d="M13.7 21a2 2 0 0 1-3.4 0"/></svg>`;

// [path, label, the roles that see it (everyone when left out)]
const AREAS = [
  ["/board", "nav.pipeline"],
  ["/counterparties", "nav.counterparties"],
  ["/my-day", "nav.my_day"],
  ["/mail", "nav.mail"],
  ["/analytics", "nav.analytics"],
  ["/setup", "nav.setup", ["director", "admin"]],
  ["/admin", "nav.admin", ["admin"]], // the API refuses everyone else anyway
];

export function showHeader(root, restart) {
  const state = { found: null, notifications: null, open: null };

  const search = debounce(async (q) => {
    if (q.trim().length < 2) {
      state.found = null;
      return draw();
    }
    const [counterparties, deals] = await Promise.all([
      get("/counterparties", { q, page_size: 6 }),
      get("/deals", { q, page_size: 6 }),
    ]);
    state.found = { q, counterparties: counterparties.items, deals: deals.items };
    draw();
  });

  async function loadNotifications() {
    const reply = await get("/notifications", { unread_only: true, page_size: 20 });
    state.notifications = reply;
    draw();
  }

  async function readNotification(item) {
    await post(`/notifications/${item.id}/read`);
    await loadNotifications();
  }

  function toggle(panel) {
    state.open = state.open === panel ? null : panel;
    if (state.open === "notifications") loadNotifications();
    draw();
  }

  function results() {
    if (!state.found) return nothing;
    const { counterparties, deals } = state.found;
    const close = () => {
      state.found = null;
      root.querySelector("input[type=search]").value = "";
      draw();
    };
    return html`<div class="popover search-results" @click=${close}>
      ${counterparties.length + deals.length === 0
        ? html`<p class="muted">${t("header.nothing_found", { q: state.found.q })}</p>`
        : nothing}
      ${counterparties.length
        ? html`<h4>${t("nav.counterparties")}</h4>${counterparties.map(
            (c) => html`<a href="#/counterparties/${c.id}">${c.name}<small>${c.tax_id || c.email || ""}</small></a>`,
          )}`
        : nothing}
      ${deals.length
        ? html`<h4>${t("header.deals")}</h4>${deals.map(
            (d) => html`<a href="#/deals/${d.id}">${d.title}<small>${t(`deal.status_${d.status}`)}</small></a>`,
          )}`
        : nothing}
    </div>`;
  }

  function notifications() {
    if (state.open !== "notifications") return nothing;
    const items = state.notifications?.items || [];
    return html`<div class="popover notifications">
      <h4>${t("header.notifications")}</h4>
      ${items.length === 0 ? html`<p class="muted">${t("header.no_notifications")}</p>` : nothing}
      ${items.map(
        (n) => html`<div class="notification"><div><strong>${factText(n)}</strong>${n.due_at ? html`<p>${t("header.due", { at: dateTime(n.due_at) })}</p>` : nothing}
          <small>${dateTime(n.created_at)}</small></div>
          <button class="ghost small" @click=${() => readNotification(n)}>${t("header.mark_read")}</button></div>`,
      )}
    </div>`;
  }

  // A link followed in the folded menu closes it.
  function leaveMenu() {
    if (state.open !== "menu") return;
    state.open = null;
    draw();
  }

  function user() {
    const name = session.me.full_name || session.me.username;
    return html`<div class="user"><button class="ghost" aria-label=${name} aria-expanded=${state.open === "user" ? "true" : "false"}
        @click=${() => toggle("user")}><span class="avatar" aria-hidden="true">${initials(name)}</span><span class="user-name">${name} ▾</span></button>
      ${state.open === "user"
        ? html`<div class="popover menu">
            <label>${t("header.language")}<select @change=${(e) => { setLanguage(e.target.value); restart(); }}>
              ${Object.entries(LANGUAGES).map(([key, label]) => html`<option value=${key} ?selected=${key === language}>${label}</option>`)}
            </select></label>
            <button class="ghost" @click=${() => { state.open = null; draw(); openPasswordChange(); }}>${t("admin.change_my_password")}</button>
            <button class="ghost" @click=${() => { session.tokens = null; restart(); }}>${t("header.sign_out")}</button>
          </div>`
        : nothing}</div>`;
  }

  function draw() {
    const unread = state.notifications?.total || 0;
    const menuOpen = state.open === "menu";
    render(
      html`<header class="topbar">
        <button class="ghost icon menu-button" aria-label=${t("header.menu")} aria-controls="main-menu"
          aria-expanded=${menuOpen ? "true" : "false"} @click=${() => toggle("menu")}>${MENU}</button>
        <a class="brand" href="#/board"><span class="logo" aria-hidden="true">H</span><span class="brand-name">Hoa CRM</span></a>
        <nav class="main ${menuOpen ? "open" : ""}" id="main-menu" @click=${leaveMenu}>${AREAS.filter(([, , roles]) => !roles || session.hasRole(...roles)).map(
          ([path, key]) => html`<a href="#${path}" data-area=${path}>${t(key)}</a>`,
        )}</nav>
        <div class="search"><input type="search" placeholder=${t("header.search")} aria-label=${t("header.search")}
          @input=${(e) => search(e.target.value)} />${results()}</div>
        <div class="bell"><button class="ghost icon" aria-label=${t("header.notifications")} @click=${() => toggle("notifications")}>
          ${BELL}${unread ? html`<span class="count">${unread}</span>` : nothing}</button>${notifications()}</div>
        ${user()}
      </header>`,
      root,
    );
    markArea();
  }

  draw();
  loadNotifications();
}

// The area of the current route is highlighted in the header ("/" is the board).
export function markArea() {
  const path = (window.location.hash.slice(1) || "/board").split("?")[0];
  document.querySelectorAll("nav.main a").forEach((link) => {
    link.classList.toggle("active", path.startsWith(link.dataset.area) || (path === "/" && link.dataset.area === "/board"));
  });
}
