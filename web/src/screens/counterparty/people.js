// The Contacts and Relationships tabs: the people at the counterparty (archived ones behind a
// switch, to restore), and its links to others.
import { everything, get, patchVersion, post } from "../../api.js";
import { date, t } from "../../i18n.js";
import { archivedBadge, archivedSwitch, archiveRecord, lc, restoreRecord } from "../../lifecycle.js";
import { session } from "../../session.js";
import { debounce, emptyState, field, html, nothing, toast } from "../../ui.js";
import { label } from "../counterparties.js";
import { card, formDialog, missing, openTab, refresh, sectionHead } from "./card.js";

const RELATIONSHIP_KINDS = [
  "parent_of", "division_of", "partner_of", "competitor_of", "supplier_of", "customer_of",
  "contractor_of", "influencer_of", "affiliated_with",
];

// -- contact persons -------------------------------------------------------------------------

const CONTACT_FIELDS = ["full_name", "position", "birthday", "email", "phone"];

function contactForm(contact = null) {
  const title = contact ? label("edit_contact", { name: contact.full_name }) : label("add_contact");
  const body = ({ values: v, errors: e }) => html`
    ${field({ label: label("full_name"), name: "full_name", value: v.full_name, error: e.full_name, required: true })}
    <div class="form-grid">
      ${field({ label: label("position"), name: "position", value: v.position, error: e.position, hint: label("position_hint") })}
      ${field({ label: label("birthday"), name: "birthday", type: "date", value: v.birthday, error: e.birthday, hint: label("birthday_hint") })}
      ${field({ label: label("email"), name: "email", type: "email", value: v.email, error: e.email })}
      ${field({ label: label("phone"), name: "phone", type: "tel", value: v.phone, error: e.phone })}
    </div>`;
  const save = (values) => {
    if (!contact) return post(`/counterparties/${card.id}/contacts`, values);
    const changed = Object.fromEntries(
      CONTACT_FIELDS.filter((name) => (values[name] ?? null) !== (contact[name] ?? null)).map((name) => [name, values[name] ?? null]),
    );
    return patchVersion(`/contacts/${contact.id}`, changed, contact.version);
  };
  return formDialog(title, contact || {}, body, save, contact ? t("common.save") : label("add"));
}

async function addContact(contact = null) {
  const saved = await contactForm(contact);
  if (!saved) return;
  toast(contact ? t("common.saved") : label("contact_added", { name: saved.full_name }));
  if (card.tab !== "contacts") return openTab("contacts");
  await refresh({ counterparty: true });
}

// The people at work there; with the switch on, the archived ones too, to restore.
export async function loadContacts() {
  const showArchived = card.query.archived === "true";
  const [active, archived] = await Promise.all([
    everything("/contacts", { counterparty_id: card.id }),
    showArchived ? everything("/contacts", { counterparty_id: card.id, archived: "true" }) : [],
  ]);
  return { active, archived, showArchived };
}

async function archiveContact(person) {
  const text = lc("archive_contact_text", { name: person.full_name, company: card.counterparty.name });
  if (await archiveRecord(`/contacts/${person.id}`, person, { title: lc("archive_contact_title"), text })) {
    await refresh({ counterparty: true });
  }
}

async function restoreContact(person) {
  if (await restoreRecord(`/contacts/${person.id}`)) await refresh({ counterparty: true });
}

function contactRow(p) {
  const archived = Boolean(p.archived_at);
  const writable = session.canWrite && !card.counterparty.archived_at;
  return html`<tr class=${archived ? "lc-archived" : ""} data-contact=${p.id}>
    <td><strong>${p.full_name}</strong> ${archived ? archivedBadge() : nothing}</td><td>${p.position || missing}</td>
    <td>${p.email ? html`<a href="mailto:${p.email}">${p.email}</a>` : missing}</td>
    <td>${p.phone || missing}</td><td>${p.birthday ? date(p.birthday) : missing}</td>
    <td class="num cp-nowrap">${writable
      ? archived
        ? html`<button class="small" @click=${() => restoreContact(p)}>${lc("restore")}</button>`
        : html`<button class="ghost small" @click=${() => addContact(p)}>${t("common.edit")}</button>
            <button class="ghost small" @click=${() => archiveContact(p)}>${lc("archive")}</button>`
      : nothing}</td>
  </tr>`;
}

export function viewContacts({ active, archived, showArchived }) {
  const add = html`<button class="primary" @click=${() => addContact()}>+ ${label("add_contact")}</button>`;
  // The people of this company met in mail and not in contacts yet, proposed there.
  const fromMail = html`<button class="ghost" @click=${() => (window.location.hash = `#/mail/proposals?counterparty_id=${card.id}`)}>
    ${t("reports.found_in_mail")}</button>`;
  const toggle = archivedSwitch(showArchived, (on) => openTab("contacts", on ? { archived: "true" } : {}));
  if (active.length === 0 && archived.length === 0) {
    return html`<div class="cp-section-head"><span></span>${toggle}</div>
      <div class="card">${emptyState(
        showArchived ? lc("no_archived_contacts") : label("no_contacts"),
        label("no_contacts_hint", { name: card.counterparty.name }),
        session.canWrite ? html`${add} ${fromMail}` : nothing,
      )}</div>`;
  }
  return html`${sectionHead(label("contacts_count", { n: active.length }), html`<div class="row">${fromMail}${add}</div>`)}
    <div class="row lc-tab-tools">${toggle}${showArchived ? html`<span class="muted">${lc("archived_count", { n: archived.length })}</span>` : nothing}</div>
    <div class="table-wrap"><table>
      <thead><tr><th>${label("full_name")}</th><th>${label("position")}</th><th>${label("email")}</th>
        <th>${label("phone")}</th><th>${label("birthday")}</th><th></th></tr></thead>
      <tbody>${[...active, ...archived].map(contactRow)}</tbody>
    </table></div>`;
}

// -- relationships ---------------------------------------------------------------------------

export async function loadRelationships() {
  const links = await everything(`/counterparties/${card.id}/relationships`);
  const others = [...new Set(links.flatMap((link) => [link.from_id, link.to_id]).filter((id) => id !== card.id))];
  const names = new Map();
  for (let start = 0; start < others.length; start += 500) {
    const ids = others.slice(start, start + 500).join(",");
    const found = await get("/counterparties", { ids, page_size: 500 });
    for (const other of found.items) names.set(other.id, other.name);
  }
  return { links, names };
}

function party(id, names) {
  if (id === card.id) return html`<strong>${card.counterparty.name}</strong>`;
  const name = names.get(id);
  return name ? html`<a href="#/counterparties/${id}">${name}</a>` : html`<span class="muted">${label("hidden_party")}</span>`;
}

const findParties = debounce(async (state, q) => {
  state.found = q.trim().length < 2 ? null : (await get("/counterparties", { q, page_size: 8 })).items.filter((c) => c.id !== card.id);
  state.redraw();
}, 250);

function partyPicker(state) {
  const error = state.errors.to_id;
  const choose = (c) => {
    state.chosen = c;
    state.errors = { ...state.errors, to_id: undefined };
    state.redraw();
  };
  return html`<div class="field cp-picker ${error ? "invalid" : ""}">
    <span class="label">${label("other_party")}<em aria-hidden="true">*</em></span>
    ${state.chosen
      ? html`<div class="chosen"><strong>${state.chosen.name}</strong>
          <button type="button" class="ghost small" @click=${() => choose(null)}>${label("change")}</button></div>`
      : html`<input type="search" aria-label=${label("other_party")} placeholder=${label("find_party")}
          @input=${(event) => findParties(state, event.target.value)} />
        ${state.found
          ? html`<ul class="cp-picks">${state.found.length
              ? state.found.map((c) => html`<li><button type="button" @click=${() => choose(c)}>${c.name}
                  <small>${[c.region, c.tax_id].filter(Boolean).join(" · ")}</small></button></li>`)
              : html`<li class="muted">${label("nothing_found")}</li>`}</ul>`
          : nothing}`}
    <input type="hidden" name="to_id" .value=${state.chosen?.id || ""} />
    ${error ? html`<small class="error" data-field="to_id">${error}</small>` : nothing}
  </div>`;
}

async function addRelationship() {
  const name = card.counterparty.name;
  const body = (state) => html`
    <p class="muted">${label("relationship_intro", { name })}</p>
    ${field({ label: label("relationship_kind", { name }), name: "kind", value: state.values.kind, error: state.errors.kind, required: true,
      options: RELATIONSHIP_KINDS.map((kind) => [kind, `${label(`kind_${kind}`)} …`]) })}
    ${partyPicker(state)}`;
  const save = ({ to_id: to, kind }) => post("/relationships", { from_id: card.id, ...(to ? { to_id: to } : {}), kind });
  const saved = await formDialog(label("add_relationship"), { kind: "partner_of" }, body, save, label("add"));
  if (!saved) return;
  toast(label("relationship_added"));
  await refresh();
}

export function viewRelationships({ links, names }) {
  const add = html`<button class="primary" @click=${addRelationship}>+ ${label("add_relationship")}</button>`;
  if (links.length === 0) {
    return html`<div class="card">${emptyState(label("no_relationships"), label("no_relationships_hint", { name: card.counterparty.name }), session.canWrite ? add : nothing)}</div>`;
  }
  return html`${sectionHead(label("tab_relationships"), add)}
    <ul class="card cp-links">${links.map(
      (link) => html`<li>${party(link.from_id, names)} <span class="kind">${label(`kind_${link.kind}`)}</span> ${party(link.to_id, names)}</li>`,
    )}</ul>`;
}
