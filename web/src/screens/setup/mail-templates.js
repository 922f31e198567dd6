// Mail templates: the list on the left (the archived ones too, on demand), the chosen one (or a
// new one) on the right with its name, subject and body — placeholders put in with a click — and
// below it the saved template as a counterparty chosen from a search would get it. Saving sends
// what changed on the version read; a template changed meanwhile is refused and offered to reload.
import { get, isStale, patchVersion, post } from "../../api.js";
import { dateTime } from "../../i18n.js";
import { archivedBanner, archivedBadge, archivedSwitch, archiveRecord, failureText, lc, restoreRecord, staleNotice } from "../../lifecycle.js";
import { session } from "../../session.js";
import { emptyState, field, html, nothing, problem, render, toast } from "../../ui.js";
import { counterpartyPicker } from "../deals-shared.js";
import { fieldErrors, listed, m, otherErrors } from "./mail-shared.js";

const NEW = "new";
const FIELDS = ["name", "subject", "body"];
const PLACEHOLDERS = ["contact.full_name", "contact.position", "counterparty.name", "unsubscribe_url"];

export async function show(root, { query, alive, change, reload }) {
  const showArchived = query.archived === "true";
  const all = await listed("/mail/templates", showArchived);
  if (!alive()) return;
  const wanted = query.template || (all.length ? all[0].id : NEW);
  let template = wanted === NEW ? null : all.find((found) => found.id === wanted);
  if (wanted !== NEW && !template) template = await get(`/mail/templates/${wanted}`).catch(() => null);
  if (!alive()) return;
  if (wanted !== NEW && !template) return render(problem({ status: 404 }), root);
  render(nothing, root); // fields drawn afresh: what another template (or an old read) left typed goes
  new Templates(root, { query, all, template, showArchived, change, reload }).draw();
}

const draftOf = (template) => ({ name: template?.name || "", subject: template?.subject || "", body: template?.body || "" });

class Templates {
  constructor(root, { query, all, template, showArchived, change, reload }) {
    Object.assign(this, { root, query, all, template, showArchived, change, reload });
    this.draft = draftOf(template);
    this.errors = {};
    this.stale = false;
    this.sample = { picked: null, matches: [], previewed: null, shown: null, failure: null };
  }

  get path() {
    return `/mail/templates/${this.template.id}`;
  }

  async save(event) {
    event.preventDefault();
    const changes = this.template
      ? Object.fromEntries(FIELDS.filter((name) => this.draft[name] !== this.template[name]).map((name) => [name, this.draft[name]]))
      : this.draft;
    if (this.template && !Object.keys(changes).length) return toast(m("template_saved", { name: this.template.name }));
    try {
      const saved = this.template ? await patchVersion(this.path, changes, this.template.version) : await post("/mail/templates", changes);
      toast(m(this.template ? "template_saved" : "template_created", { name: saved.name }));
      if (!this.template) return this.change({ template: saved.id });
      Object.assign(this, { template: saved, draft: draftOf(saved), errors: {}, stale: false });
      this.all = this.all.map((found) => (found.id === saved.id ? saved : found));
      if (this.sample.picked) await this.preview();
    } catch (error) {
      this.stale = isStale(error);
      this.errors = this.stale ? {} : fieldErrors(error);
    }
    this.draw();
  }

  typed(event) {
    const { name, value } = event.target;
    if (FIELDS.includes(name)) this.draft[name] = value;
  }

  // The placeholder goes where the cursor was left in the body (over what was selected there).
  insert(event, placeholder) {
    const body = event.target.closest("form").elements.body;
    body.setRangeText(`{{ ${placeholder} }}`, body.selectionStart, body.selectionEnd, "end");
    this.draft.body = body.value;
    body.focus();
  }

  async preview() {
    const sample = this.sample;
    try {
      sample.shown = await post(`${this.path}/preview`, { counterparty_id: sample.picked.id });
      sample.failure = null;
    } catch (error) {
      sample.shown = null;
      sample.failure = failureText(error);
    }
    this.draw();
  }

  discard() {
    Object.assign(this, { draft: draftOf(this.template), errors: {}, stale: false });
    render(nothing, this.root); // the fields show the draft again, not what was typed in them
    this.draw();
  }

  // The template afresh: archived, it stays on the screen with its banner to restore it.
  again() {
    if (this.query.template === this.template.id) return this.reload();
    this.change({ template: this.template.id });
  }

  async archive() {
    const done = await archiveRecord(this.path, this.template, {
      title: m("archive_template_title"),
      text: m("archive_template_text", { name: this.template.name }),
    });
    if (done) this.again();
  }

  async restore() {
    if (await restoreRecord(this.path)) this.again();
  }

  draw() {
    render(
      html`<div class="setup-split mail-templates">
        ${this.list()}
        <div class="stack">${this.editor()}${this.template && !this.template.archived_at ? this.previewCard() : nothing}</div>
      </div>`,
      this.root,
    );
  }

  list() {
    const current = this.template?.id || NEW;
    return html`<nav class="card setup-list" aria-label=${m("templates")}>
      <h2>${m("templates")}</h2>
      ${archivedSwitch(this.showArchived, (on) => this.change({ archived: on ? "true" : null }))}
      ${this.all.length === 0 ? html`<p class="muted small">${m("no_templates")}</p>` : nothing}
      <ul>${this.all.map(
        (found) => html`<li class=${found.id === current ? "active" : ""} data-template=${found.name}>
          <a href="#/setup?tab=templates&template=${found.id}${this.showArchived ? "&archived=true" : ""}"
            aria-current=${found.id === current ? "page" : "false"}>${found.name}</a>
          <small class="muted">${found.archived_at ? archivedBadge() : found.subject || "—"}</small></li>`,
      )}</ul>
      <button class="wide" @click=${() => this.change({ template: NEW })}>${m("new_template")}</button>
    </nav>`;
  }

  editor() {
    const d = this.draft;
    const e = this.errors;
    const archived = Boolean(this.template?.archived_at);
    if (archived) {
      return html`<section class="card template-editor">
        ${archivedBanner(this.template, { what: this.template.name, onRestore: () => this.restore(), canWrite: session.canWrite })}
        <h2>${this.template.name}</h2>
        <p><strong>${m("subject")}:</strong> ${this.template.subject}</p>
        <pre class="mail-body">${this.template.body}</pre>
      </section>`;
    }
    return html`<form class="card template-editor" novalidate @submit=${(event) => this.save(event)} @input=${(event) => this.typed(event)}>
      <div class="card-head"><h2>${this.template ? this.template.name : m("new_template")}</h2>
        ${this.template ? html`<button type="button" class="ghost small" @click=${() => this.archive()}>${lc("archive")}</button>` : nothing}</div>
      ${this.template ? html`<p class="muted small">${m("created_at", { at: dateTime(this.template.created_at) })}</p>` : html`<p class="muted">${m("new_template_hint")}</p>`}
      ${otherErrors(e, FIELDS)}
      ${field({ label: m("template_name"), name: "name", value: d.name, error: e.name, required: true })}
      ${field({ label: m("subject"), name: "subject", value: d.subject, error: e.subject, hint: m("subject_hint") })}
      <label class="field ${e.body ? "invalid" : ""}" for="f-body">
        <span class="label">${m("body")}<em aria-hidden="true">*</em></span>
        <textarea id="f-body" name="body" rows="10" .value=${d.body} aria-invalid=${e.body ? "true" : "false"}></textarea>
        ${e.body ? html`<small class="error" data-field="body">${e.body}</small>` : html`<small class="hint">${m("body_hint")}</small>`}
      </label>
      <div class="placeholders" role="group" aria-label=${m("placeholders")}>
        <span class="muted small">${m("placeholders")}:</span>
        ${PLACEHOLDERS.map((name) => html`<button type="button" class="small ghost" data-placeholder=${name}
          title=${`{{ ${name} }}`} @click=${(event) => this.insert(event, name)}>${m(`placeholder_${name.replace(".", "_")}`)}</button>`)}
      </div>
      ${this.stale ? staleNotice(() => this.again()) : nothing}
      <div class="form-actions">
        ${this.template ? html`<button type="button" class="ghost" @click=${() => this.discard()}>${m("discard")}</button>` : nothing}
        <button class="primary" type="submit">${this.template ? m("save_template") : m("create_template")}</button>
      </div>
    </form>`;
  }

  previewCard() {
    const sample = this.sample;
    // The picker redraws after a search and after a choice: a new choice is previewed.
    const redraw = () => {
      const chosen = sample.picked?.id || null;
      if (chosen !== sample.previewed) {
        Object.assign(sample, { previewed: chosen, shown: null, failure: null });
        if (chosen) this.preview();
      }
      this.draw();
    };
    return html`<section class="card template-preview">
      <h2>${m("preview")}</h2>
      <p class="muted small">${m("preview_hint")}</p>
      ${counterpartyPicker(sample, redraw, null, { name: "sample_id", label: m("sample_counterparty"), required: false })}
      ${sample.failure ? html`<div class="alert" role="alert">${sample.failure}</div>` : nothing}
      ${sample.picked && sample.shown
        ? html`<div class="mail-preview" data-preview>
            <p class="preview-subject"><span class="muted">${m("subject")}:</span> <strong>${sample.shown.subject}</strong></p>
            <pre class="mail-body">${sample.shown.body}</pre></div>`
        : sample.picked ? nothing : emptyState(m("no_sample"), m("no_sample_hint"))}
    </section>`;
  }
}
