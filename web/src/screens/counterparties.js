// Counterparties: the list (its filters live in the route's query, so a link can open it filtered)
// and the form that registers or edits one, shared with the card.
import "./counterparties.css";
import { ApiError, everything, get, isStale, patchVersion, post } from "../api.js";
import { percent, t } from "../i18n.js";
import { archivedBadge, archivedSwitch, lc, staleNotice } from "../lifecycle.js";
import { go } from "../router.js";
import { session } from "../session.js";
import {
  badge,
  debounce,
  dialog,
  emptyState,
  field,
  formValues,
  html,
  loading,
  nothing,
  pageHeader,
  pager,
  problem,
  render,
} from "../ui.js";

export const ROLES = ["customer", "supplier", "competitor", "partner", "contractor", "influencer"];
export const STATUSES = ["potential", "one_time", "regular", "lost"];
const FILTERS = ["q", "role", "region", "industry", "group_id", "abc", "xyz", "status", "owner_id", "archived"];
const FORM_FIELDS = ["name", "legal_kind", "tax_id", "region", "industry", "email", "phone", "address", "owner_id"];
const PAGE_SIZE = 25;
const STATUS_TONES = { potential: "info", one_time: "warn", regular: "good", lost: "bad" };

// -- pieces the card shares ------------------------------------------------------------------

export const label = (key, params) => t(`counterparties.${key}`, params);

export function roleBadges(roles) {
  return html`<span class="cp-roles">${roles.map((role) => html`<span class="role">${label(`role_${role}`)}</span>`)}</span>`;
}

export function statusBadge(status) {
  return html`<span title=${label(`status_${status}_hint`)}>${badge(label(`status_${status}`), STATUS_TONES[status])}</span>`;
}

export function classBadges(counterparty) {
  const { abc, xyz } = counterparty;
  if (!abc && !xyz) return html`<span class="muted" title=${label("no_class_hint")}>—</span>`;
  return html`<span class="cp-classes">
    ${abc ? html`<span class="cp-cls abc-${abc}" title=${label(`abc_${abc}_hint`)}>${abc}</span>` : nothing}
    ${xyz ? html`<span class="cp-cls xyz-${xyz}" title=${label(`xyz_${xyz}_hint`)}>${xyz}</span>` : nothing}
  </span>`;
}

export function completeness(value) {
  const tone = value >= 80 ? "good" : value >= 50 ? "warn" : "bad";
  return html`<span class="cp-meter ${tone}" role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${value}
      aria-label=${label("completeness")} title=${label("completeness_hint")}>
    <span class="bar"><span style="width: ${value}%"></span></span><span class="pct">${percent(value / 100)}</span>
  </span>`;
}

export async function userNames() {
  const users = await everything("/users");
  return new Map(users.map((user) => [user.id, user.full_name || user.username]));
}

const sorted = (pairs) => [...pairs].sort((a, b) => a[1].localeCompare(b[1]));

// The list's address as the user left it, so that the card can lead back to it.
let listQuery = {};
export function listAddress() {
  const search = new URLSearchParams(Object.entries(listQuery).filter(([, value]) => value));
  return search.toString() ? `#/counterparties?${search}` : "#/counterparties";
}

// -- the form --------------------------------------------------------------------------------

function changes(values, counterparty) {
  const body = {};
  for (const name of FORM_FIELDS) {
    const now = values[name] ?? null;
    if (now !== (counterparty[name] ?? null)) body[name] = now;
  }
  const roles = values.roles || [];
  if ([...roles].sort().join() !== [...counterparty.roles].sort().join()) body.roles = roles;
  return body;
}

function errorsByField(error) {
  const errors = {};
  for (const [name, message] of Object.entries(error.fields)) errors[name.split(".")[0]] = message;
  return errors;
}

function duplicateNotice(state, submit) {
  const { existing } = state.duplicate;
  return html`<div class="cp-notice warn" role="alert">
    <p>${label("duplicate")} <a href="#/counterparties/${existing.id}" @click=${() => state.close(null)}>${existing.name}</a></p>
    <p class="muted">${label("duplicate_hint")}</p>
    <div class="row">
      <a class="cp-button-link" href="#/counterparties/${existing.id}" @click=${() => state.close(null)}>${label("open_existing")}</a>
      <button type="button" class="ghost" @click=${() => submit(true)}>${label("create_anyway")}</button>
    </div>
  </div>`;
}

function formBody(state, users, submit) {
  const v = state.values;
  const e = state.errors;
  const owners = sorted(users.entries());
  return html`<form class="cp-form" novalidate @submit=${(event) => { event.preventDefault(); submit(false); }}>
    ${field({ label: label("name"), name: "name", value: v.name, error: e.name, required: true, hint: label("name_hint") })}
    <div class="form-grid">
      ${field({ label: label("legal_kind"), name: "legal_kind", value: v.legal_kind, error: e.legal_kind, required: true,
        options: [["legal_entity", label("legal_entity")], ["individual", label("individual")]] })}
      ${field({ label: label("tax_id"), name: "tax_id", value: v.tax_id, error: e.tax_id, hint: label("tax_id_hint") })}
    </div>
    <fieldset class="field ${e.roles ? "invalid" : ""}">
      <legend class="label">${label("roles")}</legend>
      <div class="checks">${ROLES.map((role) => html`<label><input type="checkbox" name="roles[]" value=${role}
        .checked=${(v.roles || []).includes(role)} />${label(`role_${role}`)}</label>`)}</div>
      ${e.roles ? html`<small class="error" data-field="roles">${e.roles}</small>` : nothing}
    </fieldset>
    <div class="form-grid">
      ${field({ label: label("region"), name: "region", value: v.region, error: e.region })}
      ${field({ label: label("industry"), name: "industry", value: v.industry, error: e.industry })}
      ${field({ label: label("email"), name: "email", type: "email", value: v.email, error: e.email })}
      ${field({ label: label("phone"), name: "phone", type: "tel", value: v.phone, error: e.phone, hint: label("phone_hint") })}
    </div>
    ${field({ label: label("address"), name: "address", type: "textarea", value: v.address, error: e.address })}
    ${field({ label: label("owner"), name: "owner_id", value: v.owner_id, error: e.owner_id, options: owners })}
    ${state.duplicate ? duplicateNotice(state, submit) : nothing}
    ${state.stale ? staleNotice(() => state.close({ stale: true })) : nothing}
    ${state.message ? html`<div class="alert" role="alert">${state.message}</div>` : nothing}
    <div class="form-actions">
      <button type="button" class="ghost" @click=${() => state.close(null)}>${t("common.cancel")}</button>
      <button type="submit" class="primary" ?disabled=${state.busy}>${state.counterparty ? t("common.save") : label("create")}</button>
    </div>
  </form>`;
}

// Opens the form for a new counterparty (or to edit `counterparty`, on the version it was read at);
// resolves with the saved one, null, or {stale: true} when the user asks to reload a card someone
// changed meanwhile.
export function openCounterpartyForm({ counterparty = null, users }) {
  const start = counterparty
    ? { ...counterparty, roles: [...counterparty.roles] }
    : { legal_kind: "legal_entity", roles: ["customer"], owner_id: session.me.id };
  const state = { counterparty, values: start, errors: {}, message: null, duplicate: null, busy: false };
  const title = counterparty ? label("edit_title", { name: counterparty.name }) : label("new_title");
  return dialog(title, (close, redraw) => {
    state.close = close;
    async function submit(force) {
      const form = document.querySelector("dialog form.cp-form");
      const values = formValues(form);
      state.values = { ...values, roles: values.roles || [] };
      Object.assign(state, { busy: true, errors: {}, message: null });
      redraw();
      try {
        const changed = counterparty && changes(state.values, counterparty);
        const saved = !counterparty
          ? await post("/counterparties", { ...state.values, ...(force ? { force: true } : {}) })
          : Object.keys(changed).length
            ? await patchVersion(`/counterparties/${counterparty.id}`, changed, counterparty.version)
            : null;
        close(saved);
      } catch (error) {
        await explain(state, error);
        state.busy = false;
        redraw();
      }
    }
    return formBody(state, users, submit);
  });
}

async function explain(state, error) {
  state.duplicate = null;
  state.stale = false;
  if (isStale(error)) {
    state.stale = true;
    state.message = null;
  } else if (error instanceof ApiError && error.status === 422 && Object.keys(error.fields).length) {
    state.errors = errorsByField(error);
    state.message = t("common.fix_fields");
  } else if (error instanceof ApiError && error.status === 409 && error.problem.existing_id) {
    const id = error.problem.existing_id;
    const existing = await get(`/counterparties/${id}`).catch(() => ({ id, name: label("existing") }));
    state.duplicate = { existing };
  } else {
    state.message = error.message || t("common.failed");
  }
}

// -- the list --------------------------------------------------------------------------------

let latest = 0;
let typed = null; // what the search box holds while the route catches up with it
let searching = false; // typed, and not yet in the route
let context = { users: new Map(), facets: { region: [], industry: [], groups: [] } };

function filtersOf(query) {
  return Object.fromEntries(FILTERS.filter((name) => query[name]).map((name) => [name, query[name]]));
}

function apply(change) {
  go("/counterparties", { ...filtersOf(listQuery), ...change });
}

const search = debounce((q) => {
  searching = false;
  apply({ q });
}, 300);

async function loadContext() {
  const [users, sample, groups] = await Promise.all([userNames(), get("/counterparties", { page_size: 500 }), everything("/company-groups")]);
  const distinct = (name) =>
    [...new Set(sample.items.map((c) => c[name]).filter(Boolean))].sort((a, b) => a.localeCompare(b));
  const named = groups.map((group) => [group.id, group.name]).sort((a, b) => a[1].localeCompare(b[1]));
  return { users, facets: { region: distinct("region"), industry: distinct("industry"), groups: named } };
}

export async function show(root, _params, query) {
  const ticket = ++latest;
  const fresh = !root.querySelector(".cp-list");
  listQuery = { ...filtersOf(query), page: query.page };
  if (fresh) {
    render(loading(), root);
    typed = null;
  }
  if (!searching) typed = null;
  try {
    const wanted = { ...filtersOf(query), page: query.page || 1, page_size: PAGE_SIZE };
    const [reply, loaded] = await Promise.all([get("/counterparties", wanted), fresh ? loadContext() : context]);
    if (ticket !== latest) return;
    context = loaded;
    draw(root, query, reply);
  } catch (error) {
    if (ticket === latest) render(problem(error), root);
  }
}

async function create() {
  const saved = await openCounterpartyForm({ users: context.users });
  if (saved) go(`/counterparties/${saved.id}`);
}

function select(name, value, options, allLabel) {
  const known = value && !options.some(([key]) => key === value) ? [[value, value], ...options] : options;
  return html`<select name=${name} aria-label=${label(`filter_${name}`)} class=${value ? "active" : ""}
      @change=${(event) => apply({ [name]: event.target.value })}>
    <option value="">${allLabel}</option>
    ${known.map(([key, text]) => html`<option value=${key} ?selected=${key === value}>${text}</option>`)}
  </select>`;
}

function filterBar(query) {
  const active = Object.keys(filtersOf(query)).length > 0;
  const { facets, users } = context;
  return html`<div class="filters cp-filters">
    <input type="search" name="q" placeholder=${label("search")} aria-label=${label("search")}
      @input=${(event) => { typed = event.target.value; searching = true; search(typed.trim()); }} />
    ${select("role", query.role, ROLES.map((r) => [r, label(`role_${r}`)]), label("all_roles"))}
    ${select("region", query.region, facets.region.map((r) => [r, r]), label("all_regions"))}
    ${select("industry", query.industry, facets.industry.map((r) => [r, r]), label("all_industries"))}
    ${facets.groups.length || query.group_id ? select("group_id", query.group_id, facets.groups, label("all_groups")) : nothing}
    ${select("abc", query.abc, ["A", "B", "C"].map((c) => [c, label("abc_option", { c })]), label("all_abc"))}
    ${select("xyz", query.xyz, ["X", "Y", "Z"].map((c) => [c, label("xyz_option", { c })]), label("all_xyz"))}
    ${select("status", query.status, STATUSES.map((s) => [s, label(`status_${s}`)]), label("all_statuses"))}
    ${select("owner_id", query.owner_id, sorted(users.entries()), label("all_owners"))}
    ${archivedSwitch(query.archived === "true", (on) => apply({ archived: on ? "true" : "" }))}
    ${active ? html`<button class="ghost small" @click=${clear}>${label("clear_filters")}</button>` : nothing}
  </div>`;
}

function clear() {
  typed = null;
  searching = false;
  go("/counterparties");
}

// A select the user has touched no longer follows its options' `selected`, so the controls are
// set from the route after each drawing.
function syncControls(root, query) {
  const bar = root.querySelector(".cp-filters");
  if (!bar) return;
  for (const control of bar.querySelectorAll("select")) control.value = query[control.name] || "";
  const box = bar.querySelector("input[type=search]");
  const wanted = typed ?? query.q ?? "";
  if (box.value !== wanted) box.value = wanted;
}

function row(c) {
  const owner = c.owner_id ? context.users.get(c.owner_id) || label("unknown_user") : null;
  return html`<tr class=${c.archived_at ? "lc-archived" : ""}>
    <td class="cp-name"><a href="#/counterparties/${c.id}">${c.name}</a> ${c.archived_at ? archivedBadge() : nothing}
      <small>${[c.industry, c.tax_id && label("tax_id_short", { id: c.tax_id })].filter(Boolean).join(" · ") || label(c.legal_kind)}</small></td>
    <td>${roleBadges(c.roles)}</td>
    <td>${c.region || html`<span class="muted">—</span>`}</td>
    <td>${classBadges(c)}</td>
    <td>${statusBadge(c.status)}</td>
    <td>${owner || html`<span class="muted">${label("no_owner")}</span>`}</td>
    <td>${completeness(c.completeness)}</td>
  </tr>`;
}

function table(query, reply) {
  return html`<div class="table-wrap"><table class="cp-table">
      <thead><tr>
        <th>${label("name")}</th><th>${label("roles")}</th><th>${label("region")}</th>
        <th title=${label("classes_hint")}>${label("classes")}</th><th>${label("status")}</th>
        <th>${label("owner")}</th><th>${label("completeness")}</th>
      </tr></thead>
      <tbody>${reply.items.map(row)}</tbody>
    </table></div>
    ${pager(reply, (page) => go("/counterparties", { ...filtersOf(query), page }))}`;
}

function nothingMatches(query) {
  const filters = filtersOf(query);
  const classes = filters.abc || filters.xyz;
  const described = Object.entries(filters).map(([name, value]) => describe(name, value));
  return emptyState(
    label("empty_filtered"),
    html`${label("empty_filtered_hint", { filters: described.join(", ") })}
      ${classes ? html`<br />${label("empty_classes_hint")} <a href="#/analytics">${label("go_analytics")}</a>` : nothing}`,
    html`<button class="primary" @click=${clear}>${label("clear_filters")}</button>`,
  );
}

function describe(name, value) {
  if (name === "q") return `“${value}”`;
  if (name === "archived") return lc("archived_only");
  let shown = value;
  if (name === "role") shown = label(`role_${value}`);
  if (name === "status") shown = label(`status_${value}`);
  if (name === "owner_id") shown = context.users.get(value) || label("unknown_user");
  return `${label(`filter_${name}`)}: ${shown}`;
}

function noneYet() {
  return emptyState(
    label("empty"),
    label("empty_hint"),
    session.canWrite ? html`<button class="primary" @click=${create}>${label("new")}</button>` : nothing,
  );
}

function draw(root, query, reply) {
  const filtered = Object.keys(filtersOf(query)).length > 0;
  const count = reply.total === 1 ? label("count_one") : label("count", { n: reply.total });
  let body;
  if (reply.total > 0) body = table(query, reply);
  else body = html`<div class="card">${filtered ? nothingMatches(query) : noneYet()}</div>`;
  // With nothing listed and no filter bar, the archived ones are still one switch away.
  const onlySwitch = !filtered && reply.total === 0
    ? html`<div class="row lc-tab-tools">${archivedSwitch(false, (on) => apply({ archived: on ? "true" : "" }))}</div>`
    : nothing;
  render(
    html`<section class="cp-list">
      ${pageHeader(label("title"), filtered ? (reply.total ? label("found", { count }) : label("found_none")) : reply.total ? count : nothing,
        session.canWrite ? html`<button class="primary" @click=${create}>+ ${label("new")}</button>` : nothing)}
      ${filtered || reply.total > 0 ? filterBar(query) : onlySwitch}
      ${body}
    </section>`,
    root,
  );
  syncControls(root, query);
}
