// The mailboxes one may manage: each with its address, servers and last sync; a new one connected,
// one changed (name, address, servers; a password typed replaces the one kept, an empty one keeps
// it), the groups that may read, send from or manage a shared one, archived and restored.
import "../mail.css";
import { everything, get, isStale, patchVersion, put } from "../../api.js";
import { dateTime, t } from "../../i18n.js";
import { archivedBadge, archivedSwitch, archiveRecord, failureText, lc, restoreRecord, staleNotice } from "../../lifecycle.js";
import { badge, dialog, emptyState, field, formValues, html, nothing, render, toast } from "../../ui.js";
import { mailboxDialog, server } from "../mail/dialogs.js";
import { fieldErrors, listed, m, otherErrors } from "./mail-shared.js";

const SERVERS = ["imap", "smtp"];
const SERVER_FIELDS = ["host", "port", "security", "username"];
const ACTIONS = ["read", "send", "manage"];

export async function show(root, { query, alive, change, reload }) {
  const showArchived = query.archived === "true";
  const mailboxes = await listed("/mailboxes", showArchived);
  if (!alive()) return;
  draw({ root, mailboxes, showArchived, change, reload });
}

const pathOf = (box) => `/mailboxes/${box.id}`;

function draw(screen) {
  const { mailboxes, showArchived, change } = screen;
  render(
    html`<section class="card mailboxes">
      <div class="card-head"><h2>${m("mailboxes")}</h2>
        <div class="row">${archivedSwitch(showArchived, (on) => change({ archived: on ? "true" : null }))}
          <button class="primary" @click=${() => connect(screen)}>${t("mail.new_mailbox")}</button></div></div>
      <p class="muted small">${m("mailboxes_hint")}</p>
      ${mailboxes.length === 0
        ? emptyState(m("no_mailboxes"), m("no_mailboxes_hint"))
        : html`<div class="table-wrap flat"><table class="mailboxes">
            <thead><tr><th>${m("mailbox")}</th><th>${m("servers")}</th><th>${m("last_sync")}</th><th></th></tr></thead>
            <tbody>${mailboxes.map((box) => row(screen, box))}</tbody></table></div>`}
    </section>`,
    screen.root,
  );
}

const hostOf = (s) => `${s.host}:${s.port}`;

function row(screen, box) {
  const archived = Boolean(box.archived_at);
  return html`<tr data-mailbox=${box.name} class=${archived ? "lc-archived" : ""}>
    <th scope="row"><strong>${box.name}</strong> ${badge(t(`mail.kind_${box.kind}`), box.kind === "shared" ? "info" : "")}
      ${archived ? archivedBadge() : nothing}<small class="muted">${box.address}</small></th>
    <td class="servers"><small>IMAP ${hostOf(box.imap)}</small><small>SMTP ${hostOf(box.smtp)}</small></td>
    <td>${box.last_error ? html`<span class="bad-text" title=${box.last_error}>${m("sync_failed")}</span>` : dateTime(box.last_sync_at)}</td>
    <td class="num"><span class="lc-actions">${archived
      ? html`<button class="small" @click=${() => restore(screen, box)}>${lc("restore")}</button>`
      : html`<button class="ghost small" @click=${() => edit(screen, box)}>${t("common.edit")}</button>
          ${box.kind === "shared" ? html`<button class="ghost small" @click=${() => permissions(screen, box)}>${m("permissions")}</button>` : nothing}
          <button class="ghost small" @click=${() => archive(screen, box)}>${lc("archive")}</button>`}</span></td>
  </tr>`;
}

async function connect(screen) {
  const made = await mailboxDialog();
  if (!made) return;
  toast(m("mailbox_connected", { name: made.name }));
  await screen.reload();
}

async function archive(screen, box) {
  if (await archiveRecord(pathOf(box), box, { title: m("archive_mailbox_title"), text: m("archive_mailbox_text", { name: box.name }) })) {
    await screen.reload();
  }
}

async function restore(screen, box) {
  if (await restoreRecord(pathOf(box))) await screen.reload();
}

// What a dialog needs, or null when it cannot be read (said in a toast).
async function read(load) {
  try {
    return await load();
  } catch (error) {
    toast(failureText(error), "bad");
    return null;
  }
}

// -- a mailbox changed ------------------------------------------------------------------------

// The form's values as the mailbox has them ("imap.host"...), passwords never.
function valuesOf(box) {
  const values = { name: box.name, address: box.address };
  for (const which of SERVERS) for (const name of SERVER_FIELDS) values[`${which}.${name}`] = String(box[which][name] ?? "");
  return values;
}

// What changed: the name and address, and of each server the fields changed and a password typed.
function changesOf(values, box) {
  const changes = {};
  for (const name of ["name", "address"]) if ((values[name] || "") !== box[name]) changes[name] = values[name] || "";
  for (const which of SERVERS) {
    const sent = {};
    for (const name of SERVER_FIELDS) {
      const typed = values[`${which}.${name}`] ?? "";
      if (typed !== String(box[which][name] ?? "")) sent[name] = name === "port" && typed !== "" ? Number(typed) : typed;
    }
    if (values[`${which}.password`]) sent.password = values[`${which}.password`];
    if (Object.keys(sent).length) changes[which] = sent;
  }
  return changes;
}

async function edit(screen, box) {
  const fresh = await read(() => get(pathOf(box))); // with its version as it is now
  if (!fresh) return;
  const saved = await dialog(m("edit_mailbox", { name: fresh.name }), mailboxForm(fresh));
  if (!saved) return;
  if (!saved.stale) toast(m("mailbox_saved", { name: saved.name }));
  await screen.reload();
}

function mailboxForm(box) {
  const state = { values: valuesOf(box), errors: {}, stale: false };
  const shown = ["name", "address", ...SERVERS.flatMap((which) => [...SERVER_FIELDS, "password"].map((name) => `${which}.${name}`))];
  return (close, redraw) => {
    async function submit(event) {
      event.preventDefault();
      state.values = formValues(event.target);
      const changes = changesOf(state.values, box);
      if (!Object.keys(changes).length) return close(box);
      try {
        close(await patchVersion(pathOf(box), changes, box.version));
      } catch (error) {
        state.stale = isStale(error);
        state.errors = state.stale ? {} : fieldErrors(error);
        redraw();
      }
    }
    const { values: v, errors: e } = state;
    return html`<form class="mail-form mailbox-form" novalidate @submit=${submit}>
      <p class="muted">${m("edit_mailbox_hint")}</p>
      <div class="form-grid">
        ${field({ label: t("mail.mailbox_name"), name: "name", value: v.name, error: e.name, required: true })}
        ${field({ label: t("mail.address"), name: "address", type: "email", value: v.address, error: e.address, required: true })}
      </div>
      ${SERVERS.map((which) => server(which, v, e, m("password_keep_hint")))}
      ${otherErrors(e, shown)}
      ${state.stale ? staleNotice(() => close({ stale: true })) : nothing}
      <div class="form-actions"><button type="button" class="ghost" @click=${() => close(null)}>${t("common.cancel")}</button>
        <button class="primary" type="submit">${t("common.save")}</button></div>
    </form>`;
  };
}

// -- who may use a shared mailbox -------------------------------------------------------------

async function permissions(screen, box) {
  const found = await read(() => Promise.all([everything("/groups"), get(`${pathOf(box)}/permissions`)]));
  if (!found) return;
  const [groups, given] = found;
  const saved = await dialog(m("permissions_of", { name: box.name }), permissionsForm(box, groups, given.items));
  if (!saved) return;
  toast(m("permissions_saved", { name: box.name }));
  await screen.reload();
}

const allows = (permission, action) => ACTIONS.slice(ACTIONS.indexOf(action)).some((wider) => Boolean(permission?.[wider]));

// A group's row: read, send, manage (each includes the one before it, as the mail service counts them).
function permissionsForm(box, groups, given) {
  const state = { errors: {}, failure: null };
  const held = Object.fromEntries(given.map((p) => [p.group_id, p]));
  const active = groups.filter((group) => !group.archived || held[group.id]);
  return (close, redraw) => {
    async function submit(event) {
      event.preventDefault();
      const checked = (action, group) => event.target.elements[`${action}.${group.id}`].checked;
      const items = active
        .map((group) => ({ group_id: group.id, ...Object.fromEntries(ACTIONS.map((action) => [action, checked(action, group)])) }))
        .filter((p) => p.read || p.send || p.manage);
      try {
        close(await put(`${pathOf(box)}/permissions`, items));
      } catch (error) {
        state.errors = fieldErrors(error);
        redraw();
      }
    }
    // Ticking one ticks what it includes; unticking one unticks what includes it.
    const ticked = (group, action) => (event) => {
      const form = event.target.form;
      const at = ACTIONS.indexOf(action);
      ACTIONS.forEach((other, i) => {
        const control = form.elements[`${other}.${group.id}`];
        if (event.target.checked && i < at) control.checked = true;
        if (!event.target.checked && i > at) control.checked = false;
      });
    };
    return html`<form class="mail-form permissions-form" novalidate @submit=${submit}>
      <p class="muted">${m("permissions_hint")}</p>
      ${active.length === 0
        ? html`<div class="notice" role="note">${m("no_user_groups")}</div>`
        : html`<table class="permissions"><thead><tr><th>${m("user_group")}</th>
              ${ACTIONS.map((action) => html`<th>${m(`may_${action}`)}</th>`)}</tr></thead>
            <tbody>${active.map((group) => html`<tr data-group=${group.name}><th scope="row">${group.name}</th>
              ${ACTIONS.map((action) => html`<td><input type="checkbox" name=${`${action}.${group.id}`}
                aria-label=${m(`may_${action}_of`, { group: group.name })} .checked=${allows(held[group.id], action)}
                @change=${ticked(group, action)} /></td>`)}</tr>`)}</tbody></table>`}
      ${otherErrors(state.errors, [])}
      <div class="form-actions"><button type="button" class="ghost" @click=${() => close(null)}>${t("common.cancel")}</button>
        <button class="primary" type="submit">${m("save_permissions")}</button></div>
    </form>`;
  };
}
