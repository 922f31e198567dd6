// Administration (admins only): people (roles, groups, supervisor, deactivation, password reset),
// groups (rename, archive, restore) and machines' API keys (a new key is shown once). The tab
// lives in the route: #/admin?tab=groups.
import "./admin.css";
import { ApiError, api, everything, post, remove } from "../api.js";
import { auditView, loadAudit } from "../audit.js";
import { dateTime, t } from "../i18n.js";
import { lc } from "../lifecycle.js";
import { go } from "../router.js";
import { session } from "../session.js";
import { badge, dialog, emptyState, field, formValues, html, loading, nothing, pageHeader, problem, render, tabs, toast } from "../ui.js";

const ROLES = ["admin", "director", "manager", "marketer", "viewer"];
const SCOPES = ["contacts:read", "contacts:write", "deals:read", "deals:write", "analytics:read", "mail:read", "mail:write", "erp:write", "users:read"];
const TABS = ["users", "groups", "keys"];
const label = (key, params) => t(`admin.${key}`, params);

let data = { users: [], groups: [], keys: [] };
let visit = 0;

export async function show(root, _params, query) {
  const tab = TABS.includes(query.tab) ? query.tab : "users";
  const ticket = ++visit;
  if (!session.hasRole("admin")) return render(problem({ status: 403 }), root);
  if (!root.querySelector(".admin")) render(loading(), root);
  try {
    const [users, groups, keys] = await Promise.all([
      everything("/users"),
      everything("/groups", { archived: true }),
      tab === "keys" ? everything("/api-keys") : data.keys,
    ]);
    if (ticket !== visit) return;
    data = { users, groups, keys };
    draw(root, tab);
  } catch (error) {
    if (ticket === visit) render(problem(error), root);
  }
}

function draw(root, tab) {
  const again = () => show(root, {}, { tab });
  const body = { users: usersTab, groups: groupsTab, keys: keysTab }[tab](again);
  render(
    html`<section class="admin" data-tab=${tab}>
      ${pageHeader(label("title"), label("subtitle"))}
      ${tabs(TABS.map((key) => [key, label(`tab_${key}`)]), tab, (key) => go("/admin", { tab: key }))}
      ${body}
    </section>`,
    root,
  );
}

// -- pieces ----------------------------------------------------------------------------------

const nameOf = (user) => user.full_name || user.username;
const userName = (id) => {
  const found = data.users.find((user) => user.id === id);
  return found ? nameOf(found) : label("unknown_user");
};
const groupName = (id) => data.groups.find((group) => group.id === id)?.name || label("unknown_group");

// Runs an action and shows what came of it; true when it worked.
async function act(work, done) {
  try {
    await work();
    if (done) toast(done);
    return true;
  } catch (error) {
    toast(error.message || t("common.failed"), "bad");
    return false;
  }
}

function explain(state, error) {
  state.errors = {};
  if (error instanceof ApiError && error.status === 422 && Object.keys(error.fields).length) {
    for (const [name, message] of Object.entries(error.fields)) state.errors[name.split(".")[0]] = message;
    state.message = t("common.fix_fields");
  } else if (error instanceof ApiError && error.status === 412) {
    state.message = label("changed_meanwhile");
  } else {
    state.message = error.message || t("common.failed");
  }
}

function checks(name, legend, options, chosen, error) {
  return html`<fieldset class="field ${error ? "invalid" : ""}">
    <legend class="label">${legend}</legend>
    <div class="checks">${options.length ? options.map(([value, text]) => html`<label><input type="checkbox" name="${name}[]" value=${value}
      .checked=${chosen.includes(value)} />${text}</label>`) : html`<span class="muted">${t("common.none")}</span>`}</div>
    ${error ? html`<small class="error" data-field=${name}>${error}</small>` : nothing}
  </fieldset>`;
}

function actions(state, close, submitLabel) {
  return html`${state.message ? html`<div class="alert" role="alert">${state.message}</div>` : nothing}
    <div class="form-actions">
      <button type="button" class="ghost" @click=${() => close(null)}>${t("common.cancel")}</button>
      <button type="submit" class="primary" ?disabled=${state.busy}>${submitLabel}</button>
    </div>`;
}

// A dialog whose form `body(state, close)` is sent by `save(form, state)`; it closes with what
// was saved, or stays open when `save` gives back nothing.
function formDialog(title, body, save) {
  const state = { errors: {}, message: null, busy: false };
  return dialog(title, (close, redraw) => {
    async function submit(event) {
      event.preventDefault();
      Object.assign(state, { busy: true, errors: {}, message: null });
      redraw();
      try {
        const saved = await save(event.target, state);
        if (saved !== undefined) return close(saved);
      } catch (error) {
        explain(state, error);
      }
      state.busy = false;
      redraw();
    }
    return html`<form class="admin-form" novalidate @submit=${submit}>${body(state, close)}</form>`;
  });
}

// -- users -----------------------------------------------------------------------------------

function userRow(user, again) {
  const me = user.id === session.me.id;
  const toggle = user.active ? "deactivate" : "activate";
  const edit = () => editUser(user).then((saved) => saved && again());
  const reset = () => resetPassword(user).then((done) => done && again());
  const switchOver = () => act(() => post(`/users/${user.id}/${toggle}`), label(`${toggle}d`, { name: nameOf(user) })).then(again);
  const history = () => userHistory(user);
  return html`<tr data-user=${user.username}>
    <td><strong>${nameOf(user)}</strong><small>${user.username}${user.email ? ` · ${user.email}` : ""}</small></td>
    <td>${user.roles.map((role) => badge(label(`role_${role}`), role === "admin" ? "info" : ""))}</td>
    <td>${user.group_ids.map(groupName).join(", ") || html`<span class="muted">—</span>`}</td>
    <td>${user.supervisor_id ? userName(user.supervisor_id) : html`<span class="muted">—</span>`}</td>
    <td>${user.active ? badge(label("active"), "good") : badge(label("inactive"), "bad")}
      ${user.must_change_password ? badge(label("must_change_badge"), "warn") : nothing}</td>
    <td class="admin-actions">
      <button class="ghost small" @click=${edit}>${t("common.edit")}</button>
      <button class="ghost small" @click=${reset}>${label("reset_password")}</button>
      <button class="ghost small" data-history @click=${history}>${lc("tab_history")}</button>
      ${me ? nothing : html`<button class="ghost small" @click=${switchOver}>${label(toggle)}</button>`}
    </td>
  </tr>`;
}

// The user's card of changes: who created, changed, reset, deactivated her, and when (never a
// password), in pages.
async function userHistory(user) {
  const names = new Map(data.users.map((one) => [one.id, nameOf(one)]));
  let shown = await loadAudit("user", user.id, { users: names });
  return dialog(`${lc("history")} · ${nameOf(user)}`, (close, redraw) => {
    const page = async (number) => {
      shown = await loadAudit("user", user.id, { page: number, users: names });
      redraw();
    };
    return html`<div class="admin-history">${auditView(shown, { go: page })}
      <div class="form-actions"><button type="button" class="ghost" @click=${() => close()}>${t("common.close")}</button></div></div>`;
  });
}

function usersTab(again) {
  const create = () => editUser(null).then((saved) => saved && again());
  return html`<div class="row admin-toolbar"><button class="primary" @click=${create}>+ ${label("new_user")}</button></div>
    <div class="table-wrap"><table class="admin-table users">
      <thead><tr><th>${label("name")}</th><th>${label("roles")}</th><th>${label("groups")}</th>
        <th>${label("supervisor")}</th><th>${label("state")}</th><th></th></tr></thead>
      <tbody>${data.users.map((user) => userRow(user, again))}</tbody>
    </table></div>`;
}

function userFields(user, state) {
  const e = state.errors;
  const v = user || { roles: ["manager"], group_ids: [] };
  const groups = data.groups.filter((group) => !group.archived || v.group_ids.includes(group.id));
  const bosses = data.users
    .filter((other) => other.id !== v.id && (other.active || other.id === v.supervisor_id))
    .map((other) => [other.id, nameOf(other)]);
  return html`${user ? nothing : html`<div class="form-grid">
      ${field({ label: label("username"), name: "username", error: e.username, required: true })}
      ${field({ label: label("password"), name: "password", type: "password", error: e.password, required: true, hint: label("password_hint") })}
    </div>`}
    <div class="form-grid">
      ${field({ label: label("full_name"), name: "full_name", value: v.full_name, error: e.full_name, required: true })}
      ${field({ label: label("email"), name: "email", type: "email", value: v.email, error: e.email })}
    </div>
    ${checks("roles", label("roles"), ROLES.map((role) => [role, label(`role_${role}`)]), v.roles, e.roles)}
    ${checks("group_ids", label("groups"), groups.map((group) => [group.id, group.archived ? `${group.name} (${label("archived")})` : group.name]), v.group_ids, e.group_ids)}
    ${field({ label: label("supervisor"), name: "supervisor_id", value: v.supervisor_id, error: e.supervisor_id, options: bosses })}`;
}

// What the form changes, and nothing else: a PATCH sends only that.
function changes(values, user) {
  const body = {};
  for (const name of ["full_name", "email", "supervisor_id"]) {
    const now = values[name] ?? null;
    if (now !== (user[name] ?? null)) body[name] = now;
  }
  for (const name of ["roles", "group_ids"]) {
    const now = values[name] || [];
    if ([...now].sort().join() !== [...user[name]].sort().join()) body[name] = now;
  }
  return body;
}

function editUser(user) {
  const title = user ? label("edit_user", { name: nameOf(user) }) : label("new_user");
  return formDialog(
    title,
    (state, close) => html`${userFields(user, state)}${actions(state, close, user ? t("common.save") : t("common.create"))}`,
    async (form) => {
      const values = { roles: [], group_ids: [], ...formValues(form) };
      if (!user) return post("/users", { ...values, password: form.elements.password.value });
      const body = changes(values, user);
      if (!Object.keys(body).length) return user;
      const headers = { "If-Match": `"${user.version}"` };
      return api(`/users/${user.id}`, { method: "PATCH", body, headers });
    },
  );
}

function resetPassword(user) {
  return formDialog(
    label("reset_title", { name: nameOf(user) }),
    (state, close) => html`<p class="muted">${label("reset_hint")}</p>
      ${field({ label: label("new_password"), name: "password", type: "password", error: state.errors.password, required: true, hint: label("password_hint") })}
      <label class="check"><input type="checkbox" name="must_change" checked />${label("must_change")}</label>
      ${actions(state, close, label("reset_password"))}`,
    async (form) => {
      const body = { password: form.elements.password.value, must_change: form.elements.must_change.checked };
      await post(`/users/${user.id}/password`, body);
      toast(label("password_reset", { name: nameOf(user) }));
      return true;
    },
  );
}

// -- groups ----------------------------------------------------------------------------------

function groupRow(group, again) {
  const members = data.users.filter((user) => user.group_ids.includes(group.id)).length;
  const rename = () => renameGroup(group).then((saved) => saved && again());
  const archive = () => act(() => remove(`/groups/${group.id}`), label("archived_done", { name: group.name })).then(again);
  const restore = () => act(() => post(`/groups/${group.id}/restore`), label("restored_done", { name: group.name })).then(again);
  return html`<tr data-group=${group.name} class=${group.archived ? "archived" : ""}>
    <td><strong>${group.name}</strong> ${group.archived ? badge(label("archived")) : nothing}</td>
    <td>${members}</td>
    <td class="admin-actions">
      <button class="ghost small" @click=${rename}>${label("rename")}</button>
      ${group.archived
        ? html`<button class="ghost small" @click=${restore}>${label("restore")}</button>`
        : html`<button class="ghost small" @click=${archive}>${label("archive")}</button>`}
    </td>
  </tr>`;
}

function groupsTab(again) {
  async function create(event) {
    event.preventDefault();
    const { name } = formValues(event.target);
    if (await act(() => post("/groups", { name }), label("group_created", { name }))) again();
  }
  const list = data.groups.length
    ? html`<div class="table-wrap"><table class="admin-table groups">
        <thead><tr><th>${label("name")}</th><th>${label("members")}</th><th></th></tr></thead>
        <tbody>${data.groups.map((group) => groupRow(group, again))}</tbody>
      </table></div>`
    : html`<div class="card">${emptyState(label("no_groups"), label("no_groups_hint"))}</div>`;
  return html`<form class="row admin-toolbar" @submit=${create}>
      <input name="name" required maxlength="200" placeholder=${label("group_name")} aria-label=${label("group_name")} />
      <button class="primary" type="submit">+ ${label("new_group")}</button>
    </form>${list}`;
}

function renameGroup(group) {
  return formDialog(
    label("rename_title", { name: group.name }),
    (state, close) => html`${field({ label: label("group_name"), name: "name", value: group.name, error: state.errors.name, required: true })}
      ${actions(state, close, t("common.save"))}`,
    (form) => {
      const headers = { "If-Match": `"${group.version}"` };
      return api(`/groups/${group.id}`, { method: "PATCH", body: formValues(form), headers });
    },
  );
}

// -- API keys --------------------------------------------------------------------------------

function keyRow(key, again) {
  const revoke = () => act(() => remove(`/api-keys/${key.id}`), label("revoked_done", { name: key.name })).then(again);
  return html`<tr data-key=${key.name}>
    <td><strong>${key.name}</strong></td>
    <td>${key.scopes.map((scope) => html`<code>${scope}</code> `)}</td>
    <td>${dateTime(key.created_at)}<small>${key.created_by ? userName(key.created_by) : "—"}</small></td>
    <td>${key.revoked ? badge(label("revoked"), "bad") : badge(label("active"), "good")}</td>
    <td class="admin-actions">${key.revoked ? nothing : html`<button class="ghost small" @click=${revoke}>${label("revoke")}</button>`}</td>
  </tr>`;
}

function keysTab(again) {
  const create = () => createKey().then((made) => made && again());
  const list = data.keys.length
    ? html`<div class="table-wrap"><table class="admin-table keys">
        <thead><tr><th>${label("name")}</th><th>${label("scopes")}</th><th>${label("created")}</th><th>${label("state")}</th><th></th></tr></thead>
        <tbody>${data.keys.map((key) => keyRow(key, again))}</tbody>
      </table></div>`
    : html`<div class="card">${emptyState(label("no_keys"), label("no_keys_hint"))}</div>`;
  return html`<div class="row admin-toolbar"><button class="primary" @click=${create}>+ ${label("new_key")}</button></div>${list}`;
}

// Made, the key is shown once in the same dialog: nobody can read it again afterwards.
function createKey() {
  return formDialog(
    label("new_key"),
    (state, close) =>
      state.made
        ? html`<p>${label("key_once")}</p><p><code class="admin-secret">${state.made.key}</code></p>
            <div class="form-actions"><button type="button" class="primary" @click=${() => close(state.made)}>${label("key_saved")}</button></div>`
        : html`${field({ label: label("key_name"), name: "name", error: state.errors.name, required: true })}
            ${checks("scopes", label("scopes"), SCOPES.map((scope) => [scope, scope]), [], state.errors.scopes)}
            ${actions(state, close, t("common.create"))}`,
    async (form, state) => {
      state.made = await post("/api-keys", { scopes: [], ...formValues(form) }); // stays open
    },
  );
}
