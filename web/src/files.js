// The files of a deal or a counterparty, as both cards show them: newest first (the archived ones
// behind "show archived"), uploaded with an optional title, downloaded under their own names
// (a plain link would not carry the sign-in), retitled (on the version read: a title changed
// meanwhile is said so), archived after a confirmation and restored.
import "./files.css";
import { ApiError, get, patchVersion, saveFile, upload } from "./api.js";
import { dateTime, number, t } from "./i18n.js";
import { archiveRecord, archivedBadge, archivedSwitch, failureText, lc, restoreRecord, smallForm } from "./lifecycle.js";
import { session } from "./session.js";
import { dialog, emptyState, field, html, nothing, toast } from "./ui.js";

const ft = (key, params) => t(`files.${key}`, params);

export function fileSize(bytes) {
  if (bytes < 1024) return ft("bytes", { n: bytes });
  if (bytes < 1024 * 1024) return ft("kb", { n: number(bytes / 1024, 0) });
  return ft("mb", { n: number(bytes / (1024 * 1024), 1) });
}

export class FilesSection {
  // `owner`: "/deals/<id>" or "/counterparties/<id>"; `changed` draws the card again (and may
  // reload what else a new file changes, its timeline).
  constructor(owner, changed) {
    this.owner = owner;
    this.changed = changed;
    this.items = [];
    this.showArchived = false;
    this.canAttach = true; // not to an archived deal or counterparty
  }

  async load() {
    const path = `${this.owner}/files`;
    const [active, archived] = await Promise.all([
      get(path, { page_size: 500 }),
      this.showArchived ? get(path, { page_size: 500, archived: true }) : { items: [] },
    ]);
    this.items = [...active.items, ...archived.items];
    return this;
  }

  async reload() {
    try {
      await this.load();
    } catch (error) {
      toast(failureText(error), "bad");
    }
    await this.changed();
  }

  view() {
    const writer = session.canWrite;
    return html`<section class="card files-card" data-files>
      <div class="card-head files-head"><h2>${ft("title")}</h2>
        <div class="row">
          ${archivedSwitch(this.showArchived, async (on) => {
            this.showArchived = on;
            await this.reload();
          })}
          ${writer && this.canAttach ? html`<button class="small" @click=${() => this.attach()}>${ft("attach")}</button>` : nothing}
        </div>
      </div>
      ${this.items.length === 0 ? emptyState(ft("none"), ft("none_hint"))
        : html`<table class="files"><thead><tr><th>${ft("file")}</th><th>${ft("size")}</th><th>${ft("uploaded_at")}</th><th></th></tr></thead>
          <tbody>${this.items.map((file) => this.row(file, writer))}</tbody></table>`}
    </section>`;
  }

  row(file, writer) {
    return html`<tr data-file=${file.id} class=${file.archived_at ? "archived" : ""}>
      <td><button class="ghost small file-download" title=${ft("download_hint", { name: file.filename })}
          @click=${() => this.download(file)}>⤓ ${file.title}</button>
        ${file.title !== file.filename ? html`<small class="muted">${file.filename}</small>` : nothing}
        ${file.archived_at ? archivedBadge() : nothing}</td>
      <td>${fileSize(file.size)}</td>
      <td>${dateTime(file.uploaded_at)}</td>
      <td class="actions">${!writer ? nothing : file.archived_at
        ? html`<button class="ghost small" @click=${() => this.restore(file)}>${t("lifecycle.restore")}</button>`
        : html`<button class="ghost small" @click=${() => this.retitle(file)}>${ft("retitle")}</button>
            <button class="ghost small" @click=${() => this.archive(file)}>${t("lifecycle.archive")}</button>`}</td>
    </tr>`;
  }

  async download(file) {
    try {
      await saveFile(`/files/${file.id}/content`, {}, file.filename);
    } catch (error) {
      toast(failureText(error), "bad");
    }
  }

  async archive(file) {
    const text = ft("archive_text", { title: file.title });
    if (await archiveRecord(`/files/${file.id}`, file, { title: ft("archive_title"), text })) await this.reload();
  }

  async retitle(file) {
    const body = ({ values: v, errors: e }) => field({ label: ft("file_title"), name: "title", value: v.title, required: true, error: e.title });
    const save = (values) => patchVersion(`/files/${file.id}`, { title: values.title || "" }, file.version);
    const saved = await smallForm(ft("retitle_title"), { title: file.title }, body, save, t("common.save"));
    if (!saved) return;
    toast(saved.stale ? lc("reloaded") : t("common.saved"));
    await this.reload();
  }

  async restore(file) {
    if (await restoreRecord(`/files/${file.id}`)) await this.reload();
  }

  async attach() {
    const added = await dialog(ft("attach_title"), uploadForm(`${this.owner}/files`));
    if (!added) return;
    toast(ft("attached", { title: added.title }));
    await this.reload();
  }
}

function uploadForm(path) {
  const state = { errors: {}, message: null, busy: false };
  return (close, redraw) => {
    async function submit(event) {
      event.preventDefault();
      const fields = new FormData(event.target);
      if (!String(fields.get("title") || "").trim()) fields.delete("title");
      Object.assign(state, { busy: true, errors: {}, message: null });
      redraw();
      try {
        close(await upload(path, fields));
      } catch (error) {
        const named = error instanceof ApiError && Object.keys(error.fields).length;
        Object.assign(state, { busy: false, errors: named ? error.fields : {}, message: named ? null : failureText(error) });
        redraw();
      }
    }
    const e = state.errors;
    return html`<form class="files-form" novalidate @submit=${submit}>
      ${field({ label: ft("file"), name: "file", type: "file", required: true, error: e.file, hint: ft("file_hint") })}
      ${field({ label: ft("file_title"), name: "title", error: e.title, hint: ft("title_hint") })}
      ${state.message ? html`<div class="alert" role="alert">${state.message}</div>` : nothing}
      <div class="form-actions">
        <button type="button" class="ghost" @click=${() => close(null)}>${t("common.cancel")}</button>
        <button type="submit" class="primary" ?disabled=${state.busy}>${ft("upload")}</button>
      </div>
    </form>`;
  };
}
