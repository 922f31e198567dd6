// One counterparty: its header with the actions, and one tab at a time (facts, people, links,
// supplier profile, terms, what happened, mail, deals, files, the history of its changes), each loaded
// when it is opened. An archived one says so over its tabs and may be restored.
import "./counterparties.css";
import { get } from "../api.js";
import { auditView, loadAudit } from "../audit.js";
import { t } from "../i18n.js";
import { archivedBanner, archiveRecord, lc, restoreRecord } from "../lifecycle.js";
import { session } from "../session.js";
import { html, loading, nothing, problem, render, tabs, toast } from "../ui.js";
import {
  classBadges,
  completeness,
  label,
  listAddress,
  openCounterpartyForm,
  roleBadges,
  statusBadge,
  userNames,
} from "./counterparties.js";
import { card, openTab } from "./counterparty/card.js";
import { viewSupplier, viewTerms } from "./counterparty/commerce.js";
import { loadDetails, viewDetails } from "./counterparty/details.js";
import { loadFiles, viewFiles } from "./counterparty/files.js";
import {
  loadCorrespondence,
  loadDeals,
  loadTimeline,
  logInteraction,
  viewCorrespondence,
  viewDeals,
  viewTimeline,
} from "./counterparty/history.js";
import { loadContacts, loadRelationships, viewContacts, viewRelationships } from "./counterparty/people.js";
import { loadPlanned } from "./counterparty/planned.js";

const TABS = ["details", "contacts", "relationships", "supplier", "terms", "timeline", "correspondence", "deals", "files", "audit"];
const TAB = {
  details: { load: loadDetails, view: viewDetails },
  contacts: { load: loadContacts, view: viewContacts },
  relationships: { load: loadRelationships, view: viewRelationships },
  supplier: { load: () => get(`/counterparties/${card.id}/supplier-profile`), view: viewSupplier },
  terms: { load: () => get(`/counterparties/${card.id}/terms`), view: viewTerms },
  timeline: { load: () => Promise.all([loadTimeline(), loadPlanned()]).then(([t, planned]) => ({ ...t, planned })), view: viewTimeline },
  correspondence: { load: loadCorrespondence, view: viewCorrespondence },
  deals: { load: loadDeals, view: viewDeals },
  files: { load: loadFiles, view: viewFiles },
  audit: {
    load: () => loadAudit("counterparty", card.id, { page: card.query.page || 1, users: card.users }),
    view: (history) => auditView(history, { go: (page) => openTab("audit", { page }), title: lc("history") }),
  },
};

const tabLabel = (key) => (key === "audit" ? lc("tab_history") : label(`tab_${key}`));

let latest = 0;

export async function show(root, params, query) {
  const ticket = ++latest;
  const tab = TABS.includes(query.tab) ? query.tab : "details";
  try {
    if (card.id !== params.id || !root.querySelector(".cp-card")) {
      card.id = null;
      render(loading(), root);
      const [counterparty, users] = await Promise.all([get(`/counterparties/${params.id}`), userNames()]);
      if (ticket !== latest) return;
      Object.assign(card, { id: params.id, counterparty, users, reload });
    }
    Object.assign(card, { root, tab, query, data: null, failure: null });
    draw();
    const data = await TAB[tab].load();
    if (ticket !== latest) return;
    card.data = data;
  } catch (error) {
    if (ticket !== latest) return;
    if (!card.id) return render(problem(error), root);
    card.failure = error;
  }
  draw();
}

async function reload({ counterparty = false } = {}) {
  const ticket = ++latest;
  try {
    const [fresh, data] = await Promise.all([
      counterparty ? get(`/counterparties/${card.id}`) : card.counterparty,
      TAB[card.tab].load(),
    ]);
    if (ticket !== latest) return;
    Object.assign(card, { counterparty: fresh, data, failure: null });
  } catch (error) {
    if (ticket !== latest) return;
    card.failure = error;
  }
  draw();
}

function draw() {
  const c = card.counterparty;
  const body = card.failure ? problem(card.failure) : card.data === null ? loading() : TAB[card.tab].view(card.data);
  render(
    html`<section class="cp-card">
      ${header(c)}
      ${c.archived_at ? archivedBanner(c, { what: c.name, onRestore: restore, canWrite: session.canWrite }) : nothing}
      ${tabs(TABS.map((key) => [key, tabLabel(key)]), card.tab, (key) => openTab(key))}
      <div class="cp-tab" data-tab=${card.tab}>${body}</div>
    </section>`,
    card.root,
  );
}

function header(c) {
  return html`<header class="page-header cp-head">
    <div>
      <nav class="cp-crumbs" aria-label=${label("breadcrumbs")}><a href=${listAddress()}>${label("title")}</a><span aria-hidden="true">›</span></nav>
      <h1>${c.name}</h1>
      <div class="row cp-meta">
        <span class="muted">${label(c.legal_kind)}</span>
        ${roleBadges(c.roles)}
        ${c.region ? html`<span class="muted">· ${c.region}</span>` : nothing}
        <span class="sep" aria-hidden="true"></span>
        ${statusBadge(c.status)} ${c.abc || c.xyz ? classBadges(c) : nothing}
      </div>
    </div>
    <div class="actions">
      <div class="cp-complete"><small>${label("completeness")}</small>${completeness(c.completeness)}</div>
      ${session.canWrite && !c.archived_at
        ? html`<button class="ghost" @click=${archive}>${lc("archive")}</button>
            <button @click=${logInteraction}>${label("log_interaction")}</button>
            <button class="primary" @click=${edit}>${t("common.edit")}</button>`
        : nothing}
    </div>
  </header>`;
}

// The form sends the version it was opened on; when someone changed the card meanwhile, the
// form says so and the user reloads the card to see their change first.
async function edit() {
  const saved = await openCounterpartyForm({ counterparty: card.counterparty, users: card.users });
  if (!saved) return;
  if (saved.stale) {
    await reload({ counterparty: true });
    toast(lc("reloaded"));
    return;
  }
  card.counterparty = saved;
  toast(t("common.saved"));
  await reload();
}

async function archive() {
  const c = card.counterparty;
  const text = lc("archive_counterparty_text", { name: c.name });
  if (await archiveRecord(`/counterparties/${c.id}`, c, { title: lc("archive_counterparty_title"), text })) {
    await reload({ counterparty: true });
  }
}

async function restore() {
  if (await restoreRecord(`/counterparties/${card.id}`)) await reload({ counterparty: true });
}
