// The history of one record, from the audit (GET /audit): who did what and when, and each field
// changed from its old value to its new one, in the reader's language. Any card may show it:
// `loadAudit(kind, id)` then `auditView(history)`; kinds are the API's (counterparty, contact,
// interaction; deals and users to come).
import "./lifecycle.css";
import { everything, get } from "./api.js";
import { date, dateTime, t } from "./i18n.js";
import { lc } from "./lifecycle.js";
import { badge, emptyState, html, nothing, pager } from "./ui.js";

const PAGE_SIZE = 50;

// A field's label: from the catalogue of the screen that edits it where there is one.
const FIELD_LABELS = {
  name: "counterparties.name",
  legal_kind: "counterparties.legal_kind",
  roles: "counterparties.roles",
  tax_id: "counterparties.tax_id",
  region: "counterparties.region",
  industry: "counterparties.industry",
  email: "counterparties.email",
  phone: "counterparties.phone",
  address: "counterparties.address",
  owner_id: "counterparties.owner",
  group_id: "counterparties.group",
  parent_id: "counterparties.parent",
  full_name: "counterparties.full_name",
  position: "counterparties.position",
  birthday: "counterparties.birthday",
  subject: "counterparties.subject",
  body: "counterparties.body",
  kind: "counterparties.interaction_kind",
  contact_id: "counterparties.contact",
  deal_id: "counterparties.deal",
  outcome: "lifecycle.outcome",
  done_at: "lifecycle.done_at",
};

export function fieldLabel(name) {
  const key = FIELD_LABELS[name] || `lifecycle.field_${name}`;
  const text = t(key);
  return text === key ? name.replace(/_id$/, "").replaceAll("_", " ") : text;
}

const ISO_MOMENT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

function known(key, fallback) {
  const text = t(key);
  return text === key ? fallback : text;
}

// A value as the reader reads it: names for users, labels for the catalogues' words, dates; a
// screen may say how it shows some fields itself (`format`: field → value → text).
function shown(name, value, users, format = {}) {
  if (format[name] && value !== null && value !== undefined && value !== "") return format[name](value);
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) {
    return html`<span class="muted">${lc("empty_value")}</span>`;
  }
  if (name === "roles" && Array.isArray(value)) return value.map((role) => known(`counterparties.role_${role}`, role)).join(", ");
  if (Array.isArray(value)) return value.join(", ");
  if (typeof value === "boolean") return value ? lc("yes") : lc("no");
  if (typeof value !== "string") return String(value);
  if (name === "owner_id" || name === "actor_id" || name === "assignee_id") return users.get(value) || known("counterparties.unknown_user", value);
  if (name === "legal_kind") return known(`counterparties.${value}`, value);
  if (name === "kind") return known(`counterparties.kind_label_${value}`, value);
  if (ISO_MOMENT.test(value)) return dateTime(value);
  if (ISO_DAY.test(value)) return date(value);
  return value;
}

function actorName(entry, users) {
  if (entry.actor_kind === "system") return lc("actor_system");
  if (entry.actor_kind === "api_key") return lc("actor_api_key");
  return users.get(entry.actor_id) || known("counterparties.unknown_user", lc("actor_unknown"));
}

function initials(name) {
  const words = name.trim().split(/\s+/);
  return (words.length > 1 ? words[words.length - 2][0] + words[words.length - 1][0] : words[0].slice(0, 2)).toUpperCase();
}

// The history of one record; `users` (id → name) when the screen has them already.
export async function loadAudit(entity, entityId, { page = 1, users = null } = {}) {
  const [reply, names] = await Promise.all([
    get("/audit", { entity, entity_id: entityId, page, page_size: PAGE_SIZE }),
    users || everything("/users").then((list) => new Map(list.map((u) => [u.id, u.full_name || u.username]))).catch(() => new Map()),
  ]);
  return { entity, entityId, reply, users: names };
}

function changeList(entry, users, format) {
  // What a creation filled in is long and says little new; the changes of the rest say it all.
  const names = Object.keys(entry.changes || {}).filter((name) => name !== "version");
  if (names.length === 0) return nothing;
  const created = entry.action === "created";
  return html`<dl class="audit-changes">${names.map((name) => {
    const [old, now] = entry.changes[name];
    return html`<dt>${fieldLabel(name)}</dt><dd data-field=${name}>${created
      ? html`<span class="new">${shown(name, now, users, format)}</span>`
      : html`<span class="old">${shown(name, old, users, format)}</span><span class="arrow" aria-label=${lc("changed_to")}>→</span><span class="new">${shown(name, now, users, format)}</span>`}</dd>`;
  })}</dl>`;
}

function entryItem(entry, users, format) {
  const who = actorName(entry, users);
  const action = known(`lifecycle.action_${entry.action}`, entry.action);
  return html`<li data-action=${entry.action}>
    <span class="audit-avatar ${entry.actor_kind === "user" ? "" : "system"}" aria-hidden="true">${entry.actor_kind === "user" ? initials(who) : "⚙"}</span>
    <div>
      <div class="audit-head"><strong class="audit-actor">${who}</strong>${badge(action, `action-${entry.action}`)}</div>
      ${changeList(entry, users, format)}
    </div>
    <time datetime=${entry.at} title=${entry.request_id ? lc("request", { id: entry.request_id }) : ""}>${dateTime(entry.at)}</time>
  </li>`;
}

// `go(page)` opens another page of a long history; `format` shows some fields the screen's way.
export function auditView({ reply, users }, { go = null, title = lc("history"), format = {} } = {}) {
  if (reply.total === 0) return html`<div class="card">${emptyState(lc("no_history"), lc("no_history_hint"))}</div>`;
  return html`<section class="card audit">
      <div class="cp-section-head"><h2>${title}</h2><span class="muted">${lc("history_count", { n: reply.total })}</span></div>
      <ol class="audit-list">${reply.items.map((entry) => entryItem(entry, users, format))}</ol>
    </section>
    ${go ? pager(reply, go) : nothing}`;
}
