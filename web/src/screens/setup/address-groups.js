// Address groups, the recipients of a mass mailing: the list on the left (the archived ones too,
// on demand), the chosen one (or a new one) on the right with its name and criteria (region,
// industry, position, role, ABC class), and beside them who matches now, asked again a moment after
// each change of the criteria. A group of people chosen by hand shows them; only its name changes here.
import { get, isStale, patchVersion, post } from "../../api.js";
import { number } from "../../i18n.js";
import { archivedBanner, archivedBadge, archivedSwitch, archiveRecord, failureText, lc, restoreRecord, staleNotice } from "../../lifecycle.js";
import { session } from "../../session.js";
import { debounce, emptyState, field, html, nothing, problem, render, toast } from "../../ui.js";
import { fieldErrors, listed, m, otherErrors } from "./mail-shared.js";

const NEW = "new";
const CRITERIA = ["region", "industry", "position", "role", "abc"];
// gateway/schemas/mail.py Criteria: the roles and classes a group may ask for.
const ROLES = ["customer", "supplier", "partner", "competitor", "prospect"];
const CLASSES = ["A", "B", "C"];
const SHOWN = 10; // members listed in the preview; the count says how many in all

let shown = null;

export async function show(root, { query, alive, change, reload }) {
  const showArchived = query.archived === "true";
  const all = await listed("/mail/address-groups", showArchived);
  if (!alive()) return;
  const wanted = query.group || (all.length ? all[0].id : NEW);
  let group = wanted === NEW ? null : all.find((found) => found.id === wanted);
  if (wanted !== NEW && !group) group = await get(`/mail/address-groups/${wanted}`).catch(() => null);
  if (!alive()) return;
  if (wanted !== NEW && !group) return render(problem({ status: 404 }), root);
  // A screen read again (after a save elsewhere, a restore) replaces this one: its late answers are dropped.
  const screen = new AddressGroups(root, { query, all, group, showArchived, change, reload, alive: () => alive() && shown === screen });
  shown = screen;
  render(nothing, root); // fields drawn afresh: what another group (or an old read) left typed goes
  screen.draw();
  await screen.matching();
}

const draftOf = (group) => ({ name: group?.name || "", ...Object.fromEntries(CRITERIA.map((name) => [name, group?.criteria?.[name] || ""])) });

// The criteria a draft asks for, the empty ones left out.
const criteriaOf = (draft) => Object.fromEntries(CRITERIA.map((name) => [name, draft[name].trim()]).filter(([, value]) => value));

const same = (a, b) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b || {}).sort());

class AddressGroups {
  constructor(root, { query, all, group, showArchived, change, reload, alive }) {
    Object.assign(this, { root, query, all, group, showArchived, change, reload, alive });
    this.draft = draftOf(group);
    this.errors = {};
    this.stale = false;
    this.members = { asked: 0, page: null, failure: null, busy: true };
    this.later = debounce(() => this.matching(), 350);
  }

  get path() {
    return `/mail/address-groups/${this.group.id}`;
  }

  get byHand() {
    return Boolean(this.group?.by_hand);
  }

  // Who matches the criteria as typed (or, chosen by hand, who the group holds); an answer to a
  // question asked before the last one is dropped.
  async matching() {
    if (!this.alive()) return;
    const asked = ++this.members.asked;
    this.members.busy = true;
    this.drawPreview();
    let page = null;
    let failure = null;
    try {
      page = this.byHand ? await get(`${this.path}/members`) : await post("/mail/address-groups/preview", { criteria: criteriaOf(this.draft) });
    } catch (error) {
      failure = failureText(error);
    }
    if (asked !== this.members.asked || !this.alive()) return;
    Object.assign(this.members, { page, failure, busy: false });
    this.drawPreview();
  }

  typed(event) {
    const { name, value } = event.target;
    if (!(name in this.draft)) return;
    this.draft[name] = value;
    if (CRITERIA.includes(name) && !this.byHand) this.later();
  }

  async save(event) {
    event.preventDefault();
    const criteria = criteriaOf(this.draft);
    const name = this.draft.name.trim();
    let body = { name, criteria };
    if (this.group) {
      body = {};
      if (name !== this.group.name) body.name = name;
      if (!this.byHand && !same(criteria, this.group.criteria)) body.criteria = criteria;
      if (!Object.keys(body).length) return toast(m("group_saved", { name }));
    }
    try {
      const saved = this.group ? await patchVersion(this.path, body, this.group.version) : await post("/mail/address-groups", body);
      toast(m(this.group ? "group_saved" : "group_created", { name: saved.name }));
      if (!this.group) return this.change({ group: saved.id });
      Object.assign(this, { group: saved, draft: draftOf(saved), errors: {}, stale: false });
      this.all = this.all.map((found) => (found.id === saved.id ? saved : found));
    } catch (error) {
      this.stale = isStale(error);
      this.errors = this.stale ? {} : fieldErrors(error);
    }
    this.draw();
  }

  again() {
    if (this.query.group === this.group.id) return this.reload();
    this.change({ group: this.group.id });
  }

  async archive() {
    const done = await archiveRecord(this.path, this.group, {
      title: m("archive_group_title"),
      text: m("archive_group_text", { name: this.group.name }),
    });
    if (done) this.again();
  }

  async restore() {
    if (await restoreRecord(this.path)) this.again();
  }

  draw() {
    render(
      html`<div class="setup-split address-groups">
        ${this.list()}
        <div class="address-group-body">${this.editor()}<section class="card group-preview" aria-live="polite"></section></div>
      </div>`,
      this.root,
    );
    this.drawPreview();
  }

  list() {
    const current = this.group?.id || NEW;
    return html`<nav class="card setup-list" aria-label=${m("address_groups")}>
      <h2>${m("address_groups")}</h2>
      ${archivedSwitch(this.showArchived, (on) => this.change({ archived: on ? "true" : null }))}
      ${this.all.length === 0 ? html`<p class="muted small">${m("no_groups")}</p>` : nothing}
      <ul>${this.all.map(
        (found) => html`<li class=${found.id === current ? "active" : ""} data-group=${found.name}>
          <a href="#/setup?tab=address_groups&group=${found.id}${this.showArchived ? "&archived=true" : ""}"
            aria-current=${found.id === current ? "page" : "false"}>${found.name}</a>
          <small class="muted">${found.archived_at ? archivedBadge() : found.by_hand ? m("by_hand_n", { n: found.members.length }) : m("by_criteria")}</small></li>`,
      )}</ul>
      <button class="wide" @click=${() => this.change({ group: NEW })}>${m("new_group")}</button>
    </nav>`;
  }

  editor() {
    const d = this.draft;
    const e = this.errors;
    const archived = Boolean(this.group?.archived_at);
    const select = (name, values, label) => field({ label: m(`criterion_${name}`), name, value: d[name], error: e[`criteria.${name}`] || e[name],
      options: values.map((value) => [value, label(value)]) });
    return html`<form class="card group-editor" novalidate @submit=${(event) => this.save(event)}
        @input=${(event) => this.typed(event)} @change=${(event) => this.typed(event)}>
      ${archived ? archivedBanner(this.group, { what: this.group.name, onRestore: () => this.restore(), canWrite: session.canWrite }) : nothing}
      <div class="card-head"><h2>${this.group ? this.group.name : m("new_group")}</h2>
        ${this.group && !archived ? html`<button type="button" class="ghost small" @click=${() => this.archive()}>${lc("archive")}</button>` : nothing}</div>
      ${this.group ? nothing : html`<p class="muted">${m("new_group_hint")}</p>`}
      ${otherErrors(e, ["name", "criteria", ...CRITERIA, ...CRITERIA.map((name) => `criteria.${name}`)])}
      <fieldset ?disabled=${archived}>
        ${field({ label: m("group_name"), name: "name", value: d.name, error: e.name, required: true })}
        ${this.byHand
          ? html`<p class="muted small">${m("by_hand_hint")}</p>`
          : html`<h3>${m("criteria")}</h3><p class="muted small">${m("criteria_hint")}</p>
            ${e.criteria ? html`<div class="alert" role="alert">${e.criteria}</div>` : nothing}
            <div class="form-grid">
              ${["region", "industry", "position"].map((name) => field({ label: m(`criterion_${name}`), name, value: d[name],
                  error: e[`criteria.${name}`] || e[name], hint: m(`criterion_${name}_hint`) }))}
              ${select("role", ROLES, (role) => m(`role_${role}`))}
              ${select("abc", CLASSES, (abc) => m("abc_class", { abc }))}
            </div>`}
      </fieldset>
      ${this.stale ? staleNotice(() => this.again()) : nothing}
      ${archived ? nothing : html`<div class="form-actions">
        <button class="primary" type="submit">${this.group ? m("save_group") : m("create_group")}</button></div>`}
    </form>`;
  }

  drawPreview() {
    const box = this.root.querySelector(".group-preview");
    if (!box) return;
    const { page, failure, busy } = this.members;
    const people = page?.items || [];
    render(
      html`<div class="card-head"><h2>${m("who_matches")}</h2>
          ${page ? html`<strong class="match-count" data-count=${page.total}>${m("recipients_n", { n: number(page.total) })}</strong>` : nothing}</div>
        <p class="muted small">${this.byHand ? m("by_hand_members_hint") : m("who_matches_hint")}</p>
        ${busy ? html`<p class="muted small" aria-busy="true">${m("matching")}</p>` : nothing}
        ${failure ? html`<div class="alert" role="alert">${failure}</div>` : nothing}
        ${page && people.length === 0 ? emptyState(m("nobody_matches"), m("nobody_matches_hint")) : nothing}
        ${people.length
          ? html`<table class="members"><tbody>${people.slice(0, SHOWN).map(
              (person) => html`<tr><th scope="row">${person.name || person.email}<small class="muted">${person.email}</small></th>
                <td>${person.counterparty_id ? html`<a href="#/counterparties/${person.counterparty_id}">${person.company || "—"}</a>` : person.company || "—"}</td></tr>`,
            )}</tbody></table>
            ${page.total > SHOWN ? html`<p class="muted small">${m("and_more", { n: number(page.total - Math.min(SHOWN, people.length)) })}</p>` : nothing}`
          : nothing}`,
      box,
    );
  }
}
