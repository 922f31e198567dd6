// The pipeline editor: the pipelines on the left, the chosen one (or a new one) on the right with
// its name, mode and stages — added, renamed, moved up and down, archived, each with its
// probability, the days after which a deal in it counts as stalled and the tasks a deal entering
// it gets — and below them the process documents. Saving sends the whole pipeline: POST for a new
// one, PUT for one that exists (stages kept by id, on the version read: a change made meanwhile is
// said, not overwritten). The API's field errors stand next to their field. A pipeline no longer
// used is archived (its deals go on in it) and restored; so are its documents.
import { ApiError, everything, get, isStale, post, putVersion, saveFile, upload } from "../../api.js";
import { date, number, t } from "../../i18n.js";
import { archivedBadge, archivedBanner, archivedSwitch, archiveRecord, lc, restoreRecord, staleNotice } from "../../lifecycle.js";
import { badge, emptyState, field, html, nothing, problem, render, toast } from "../../ui.js";
import { userNames } from "../deals-shared.js";

const MODES = ["simple", "business_process"];
export const DOCUMENT_KINDS = ["regulation", "instruction", "template", "other"];
const NEW = "new";

export async function show(root, { query, alive, change }) {
  const showArchived = query.archived === "true";
  const [active, archived, users] = await Promise.all([
    everything("/pipelines"),
    showArchived ? everything("/pipelines", { archived: true }) : [],
    userNames(),
  ]);
  if (!alive()) return;
  const all = [...active, ...archived];
  const wanted = query.pipeline || (all.length ? all[0].id : NEW);
  const pipeline = wanted === NEW ? null : all.find((p) => p.id === wanted);
  if (wanted !== NEW && !pipeline) return render(problem({ status: 404 }), root);
  const editor = new Editor(root, { all, pipeline, users, change, showArchived });
  await editor.load();
}

// The editor's copy of a pipeline: what the form shows and changes, strings as typed.
function draftOf(pipeline) {
  if (!pipeline) return { name: "", mode: "simple", stages: [newStage()] };
  return {
    name: pipeline.name,
    mode: pipeline.mode,
    stages: [...pipeline.stages]
      .sort((a, b) => a.position - b.position)
      .map((stage) => ({
        id: stage.id,
        name: stage.name,
        probability: String(stage.probability),
        archived: stage.archived,
        stall_after_days: stage.stall_after_days == null ? "" : String(stage.stall_after_days),
        task_templates: stage.task_templates.map((template) => ({
          title: template.title,
          assignee: template.assignee,
          due_in_days: String(template.due_in_days),
        })),
      })),
  };
}

function newStage() {
  return { name: "", probability: "", archived: false, stall_after_days: "", task_templates: [] };
}

function newTemplate() {
  return { title: "", assignee: "deal_owner", due_in_days: "1" };
}

// "" stays missing (null), so that the API says what is required; anything else goes as a number.
function integer(value) {
  return value === "" || value === null || value === undefined ? null : Number(value);
}

// Sets draft["stages"][0]["name"] for the field named "stages.0.name".
function assign(target, path, value) {
  const parts = path.split(".");
  const last = parts.pop();
  let at = target;
  for (const part of parts) at = at?.[part];
  if (at && last in at) at[last] = value;
}

class Editor {
  constructor(root, { all, pipeline, users, change, showArchived }) {
    Object.assign(this, { root, all, pipeline, users, change, showArchived });
    this.stale = false;
    this.archivedDocuments = [];
    this.draft = draftOf(pipeline);
    this.errors = {};
    this.documents = [];
    this.documentErrors = {};
  }

  async load() {
    await this.loadDocuments();
    this.draw();
  }

  async loadDocuments() {
    if (!this.pipeline) return;
    const path = `/pipelines/${this.pipeline.id}/documents`;
    [this.documents, this.archivedDocuments] = await Promise.all([
      everything(path),
      this.showArchived ? everything(path, { archived: true }) : [],
    ]);
  }

  // The pipeline as it is now, after someone changed it meanwhile: the draft starts again from it.
  async reload() {
    this.pipeline = await get(`/pipelines/${this.pipeline.id}`);
    this.all = this.all.map((p) => (p.id === this.pipeline.id ? this.pipeline : p));
    Object.assign(this, { draft: draftOf(this.pipeline), errors: {}, stale: false });
    await this.loadDocuments();
    this.draw();
    toast(lc("reloaded"));
  }

  async archive() {
    const text = lc("archive_pipeline_text", { name: this.pipeline.name });
    if (await archiveRecord(`/pipelines/${this.pipeline.id}`, this.pipeline, { title: lc("archive_pipeline_title"), text })) {
      this.change({ pipeline: "", archived: "" });
    }
  }

  async restore() {
    if (await restoreRecord(`/pipelines/${this.pipeline.id}`)) this.change({ pipeline: this.pipeline.id, archived: "" });
  }

  async archiveDocument(doc) {
    const text = lc("archive_document_text", { title: doc.title });
    if (await archiveRecord(`/documents/${doc.id}`, doc, { title: lc("archive_document_title"), text })) {
      await this.loadDocuments();
      this.draw();
    }
  }

  async restoreDocument(doc) {
    if (await restoreRecord(`/documents/${doc.id}`)) {
      await this.loadDocuments();
      this.draw();
    }
  }

  // What PUT (or POST) /pipelines takes: the whole pipeline, its stages in their order.
  body() {
    const { name, mode, stages } = this.draft;
    return {
      name,
      mode,
      stages: stages.map((stage) => ({
        ...(stage.id ? { id: stage.id } : {}),
        name: stage.name,
        probability: integer(stage.probability),
        archived: stage.archived,
        stall_after_days: integer(stage.stall_after_days),
        task_templates: stage.task_templates.map((template) => ({
          title: template.title,
          assignee: template.assignee,
          due_in_days: integer(template.due_in_days) ?? 0,
        })),
      })),
    };
  }

  async save(event) {
    event.preventDefault();
    const sent = this.body();
    try {
      const saved = this.pipeline
        ? await putVersion(`/pipelines/${this.pipeline.id}`, sent, this.pipeline.version)
        : await post("/pipelines", sent);
      toast(t(this.pipeline ? "setup.pipeline_saved" : "setup.pipeline_created", { name: saved.name }));
      // The deals service keeps a stage's stall days from its creation on: a PUT does not change them.
      const kept = [...saved.stages].sort((a, b) => a.position - b.position).map((stage) => stage.stall_after_days ?? null);
      if (sent.stages.some((stage, i) => stage.stall_after_days !== kept[i])) toast(t("setup.stall_not_saved"), "bad");
      if (!this.pipeline) return this.change({ pipeline: saved.id });
      this.pipeline = saved;
      this.all = this.all.map((p) => (p.id === saved.id ? saved : p));
      this.draft = draftOf(saved);
      this.errors = {};
      this.stale = false;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (isStale(error)) {
        this.stale = true;
        return this.draw();
      }
      const general = error.status === 409 ? "name" : "";
      this.errors = Object.keys(error.fields).length ? error.fields : { [general]: error.message };
      toast(t("common.fix_fields"), "bad");
    }
    this.draw();
  }

  // A change to the stage list: the errors were said of positions that have moved.
  restructure(edit) {
    edit(this.draft.stages);
    this.errors = {};
    this.draw();
  }

  typed(event) {
    const { name, value, type, checked } = event.target;
    if (name) assign(this.draft, name, type === "checkbox" ? checked : value);
    if (name === "mode") this.draw(); // its hint says what the mode does
  }

  // The errors of fields the form does not show (or of the whole pipeline), said at its top.
  otherErrors() {
    const shown = (key) => key === "name" || key === "mode" || /^stages\.\d+\.(name|probability|stall_after_days|task_templates\.\d+\.(title|assignee|due_in_days))$/.test(key);
    const others = Object.entries(this.errors).filter(([key]) => !shown(key));
    if (!others.length) return nothing;
    return html`<div class="alert" role="alert" data-field="pipeline">${others.map(([key, message]) =>
      html`<div>${key && key !== "stages" ? html`<code>${key}</code>: ` : nothing}${message}</div>`)}</div>`;
  }

  draw() {
    render(
      html`<div class="setup-split">
        ${this.list()}
        <div class="stack">${this.editor()}${this.pipeline ? this.documentsCard() : nothing}</div>
      </div>`,
      this.root,
    );
  }

  list() {
    const current = this.pipeline?.id || NEW;
    return html`<nav class="card setup-list" aria-label=${t("setup.pipelines")}>
      <h2>${t("setup.pipelines")}</h2>
      ${this.all.length === 0 ? html`<p class="muted small">${t("setup.no_pipelines")}</p>` : nothing}
      <ul>${this.all.map(
        (p) => html`<li class=${p.id === current ? "active" : ""}>
          <a href="#/setup?tab=pipelines&pipeline=${p.id}${this.showArchived ? "&archived=true" : ""}" aria-current=${p.id === current ? "page" : "false"}>${p.name}</a>
          ${p.archived_at ? archivedBadge() : nothing}
          <small class="muted">${t(`setup.mode_${p.mode}`)} · ${t("setup.stages_n", { n: p.stages.filter((s) => !s.archived).length })}</small></li>`,
      )}</ul>
      ${archivedSwitch(this.showArchived, (on) => this.change({ archived: on ? "true" : "" }))}
      <button class="wide" @click=${() => this.change({ pipeline: NEW })}>${t("setup.new_pipeline")}</button>
    </nav>`;
  }

  editor() {
    const d = this.draft;
    const e = this.errors;
    const title = this.pipeline ? this.pipeline.name : t("setup.new_pipeline");
    return html`<form class="card pipeline-editor" novalidate @submit=${(event) => this.save(event)}
        @input=${(event) => this.typed(event)} @change=${(event) => this.typed(event)}>
      <div class="card-head"><h2>${title}</h2>
        ${this.pipeline ? html`<a href="#/board/${this.pipeline.id}">${t("setup.open_board")}</a>` : nothing}</div>
      ${this.pipeline ? nothing : html`<p class="muted">${t("setup.new_pipeline_hint")}</p>`}
      ${this.pipeline?.archived_at ? archivedBanner(this.pipeline, { what: this.pipeline.name, onRestore: () => this.restore(), canWrite: true }) : nothing}
      ${this.stale ? staleNotice(() => this.reload()) : nothing}
      ${this.otherErrors()}
      <div class="form-grid">
        ${field({ label: t("setup.pipeline_name"), name: "name", value: d.name, error: e.name, required: true })}
        ${field({ label: t("setup.mode"), name: "mode", value: d.mode, error: e.mode, required: true,
            options: MODES.map((mode) => [mode, t(`setup.mode_${mode}`)]) })}
      </div>
      <p class="muted small">${t(`setup.mode_${d.mode}_hint`)}</p>
      <h3>${t("setup.stages")}</h3>
      <ol class="stages">${d.stages.map((stage, index) => this.stage(stage, index))}</ol>
      <div class="row"><button type="button" @click=${() => this.restructure((stages) => stages.push(newStage()))}>
        ${t("setup.add_stage")}</button></div>
      ${this.pipeline?.archived_at ? nothing : html`<div class="form-actions">
        ${this.pipeline ? html`<button type="button" class="ghost danger-text" data-archive-pipeline @click=${() => this.archive()}>
          ${lc("archive")}</button>` : nothing}
        ${this.pipeline ? html`<button type="button" class="ghost" @click=${() => { this.draft = draftOf(this.pipeline); this.errors = {}; this.draw(); }}>
          ${t("setup.discard")}</button>` : nothing}
        <button class="primary" type="submit">${this.pipeline ? t("setup.save_pipeline") : t("setup.create_pipeline")}</button>
      </div>`}
    </form>`;
  }

  stage(stage, index) {
    const stages = this.draft.stages;
    const where = `stages.${index}`;
    const e = this.errors;
    const move = (by) => this.restructure((all) => all.splice(index + by, 0, ...all.splice(index, 1)));
    const tools = html`<div class="stage-tools">
      <button type="button" class="ghost small" aria-label=${t("setup.move_up", { name: stage.name })} title=${t("setup.move_up_short")}
        ?disabled=${index === 0} @click=${() => move(-1)}>↑</button>
      <button type="button" class="ghost small" aria-label=${t("setup.move_down", { name: stage.name })} title=${t("setup.move_down_short")}
        ?disabled=${index === stages.length - 1} @click=${() => move(1)}>↓</button>
      ${stage.id
        ? html`<button type="button" class="ghost small" @click=${() => this.restructure(() => { stage.archived = !stage.archived; })}>
            ${stage.archived ? t("setup.restore_stage") : t("setup.archive_stage")}</button>`
        : html`<button type="button" class="ghost small" @click=${() => this.restructure((all) => all.splice(index, 1))}>
            ${t("setup.remove_stage")}</button>`}
    </div>`;
    if (stage.archived) {
      return html`<li class="stage archived" data-stage=${stage.name} data-index=${index}>
        <div class="stage-head"><span class="stage-number">${index + 1}</span><strong>${stage.name}</strong>
          ${badge(t("setup.archived"))}<small class="muted">${t("setup.archived_hint")}</small>${tools}</div>
      </li>`;
    }
    return html`<li class="stage" data-stage=${stage.name} data-index=${index}>
      <div class="stage-head"><span class="stage-number">${index + 1}</span>${tools}</div>
      <div class="stage-fields">
        ${field({ label: t("setup.stage_name"), name: `${where}.name`, value: stage.name, error: e[`${where}.name`], required: true })}
        ${field({ label: t("setup.probability"), name: `${where}.probability`, value: stage.probability, type: "number",
            error: e[`${where}.probability`], required: true, attrs: { min: 0, max: 100, step: 1 } })}
        ${field({ label: t("setup.stall_after_days"), name: `${where}.stall_after_days`, value: stage.stall_after_days, type: "number",
            error: e[`${where}.stall_after_days`], hint: t("setup.stall_hint"), attrs: { min: 1, step: 1 } })}
      </div>
      <div class="templates">
        <h4>${t("setup.stage_tasks")}</h4>
        ${stage.task_templates.length === 0 ? html`<p class="muted small">${t("setup.no_tasks")}</p>` : nothing}
        ${stage.task_templates.map((template, number) => this.template(stage, template, `${where}.task_templates.${number}`, number))}
        <button type="button" class="small" @click=${() => this.restructure(() => stage.task_templates.push(newTemplate()))}>
          ${t("setup.add_task")}</button>
      </div>
    </li>`;
  }

  template(stage, template, where, number) {
    const e = this.errors;
    const assignees = [["deal_owner", t("setup.deal_owner")], ...Object.entries(this.users)];
    return html`<div class="template" data-index=${number}>
      ${field({ label: t("setup.task_title"), name: `${where}.title`, value: template.title, error: e[`${where}.title`], required: true })}
      ${field({ label: t("setup.assignee"), name: `${where}.assignee`, value: template.assignee, error: e[`${where}.assignee`],
          required: true, options: assignees })}
      ${field({ label: t("setup.due_in_days"), name: `${where}.due_in_days`, value: template.due_in_days, type: "number",
          error: e[`${where}.due_in_days`], attrs: { min: 0, max: 365, step: 1 } })}
      <button type="button" class="ghost small remove" aria-label=${t("setup.remove_task", { title: template.title })}
        @click=${() => this.restructure(() => stage.task_templates.splice(number, 1))}>×</button>
    </div>`;
  }

  documentsCard() {
    const e = this.documentErrors;
    const submit = async (event) => {
      event.preventDefault();
      const form = event.target;
      try {
        const added = await upload(`/pipelines/${this.pipeline.id}/documents`, new FormData(form));
        toast(t("setup.document_added", { title: added.title }));
        form.reset();
        this.documentErrors = {};
        await this.loadDocuments();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        this.documentErrors = Object.keys(error.fields).length ? error.fields : { file: error.message };
      }
      this.draw();
    };
    return html`<section class="card process-documents">
      <div class="card-head"><h2>${t("setup.documents")}</h2>
        ${archivedSwitch(this.showArchived, (on) => this.change({ archived: on ? "true" : "" }))}</div>
      <p class="muted small">${t("setup.documents_hint")}</p>
      ${this.documents.length + this.archivedDocuments.length === 0
        ? emptyState(t("setup.no_documents"), t("setup.no_documents_hint"))
        : html`<div class="table-wrap flat"><table class="documents">
            <thead><tr><th>${t("setup.document_title")}</th><th>${t("setup.document_kind")}</th><th>${t("setup.file")}</th>
              <th class="num">${t("setup.size")}</th><th>${t("setup.added")}</th><th></th></tr></thead>
            <tbody>${[...this.documents, ...this.archivedDocuments].map(
              (doc) => html`<tr data-document=${doc.title} class=${doc.archived_at ? "lc-archived" : ""}>
                <td><strong>${doc.title}</strong> ${doc.archived_at ? archivedBadge() : nothing}</td><td>${t(`deal.doc_${doc.kind}`)}</td>
                <td class="muted">${doc.filename}</td><td class="num">${number(Math.max(1, doc.size / 1024), 0)} KB</td>
                <td>${date(doc.created_at)}</td>
                <td><button class="ghost small" @click=${() => this.download(doc)}>${t("setup.download")}</button>
                  ${doc.archived_at
                    ? html`<button class="ghost small" @click=${() => this.restoreDocument(doc)}>${lc("restore")}</button>`
                    : html`<button class="ghost small" @click=${() => this.archiveDocument(doc)}>${lc("archive")}</button>`}</td></tr>`,
            )}</tbody></table></div>`}
      <form class="document-upload" novalidate @submit=${submit}>
        <h3>${t("setup.add_document")}</h3>
        <div class="form-grid">
          ${field({ label: t("setup.document_title"), name: "title", error: e.title, required: true })}
          ${field({ label: t("setup.document_kind"), name: "kind", value: "regulation", error: e.kind, required: true,
              options: DOCUMENT_KINDS.map((kind) => [kind, t(`deal.doc_${kind}`)]) })}
          <label class="field ${e.file ? "invalid" : ""}" for="f-document-file">
            <span class="label">${t("setup.file")}<em aria-hidden="true">*</em></span>
            <input id="f-document-file" name="file" type="file" aria-invalid=${e.file ? "true" : "false"} />
            ${e.file ? html`<small class="error" data-field="file">${e.file}</small>` : html`<small class="hint">${t("setup.file_hint")}</small>`}
          </label>
        </div>
        <div class="form-actions"><button class="primary" type="submit">${t("setup.upload")}</button></div>
      </form>
    </section>`;
  }

  async download(doc) {
    try {
      await saveFile(`/documents/${doc.id}/content`, {}, doc.filename);
    } catch (error) {
      toast(error instanceof ApiError ? error.message : t("common.failed"), "bad");
    }
  }
}
