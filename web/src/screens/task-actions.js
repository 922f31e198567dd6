// What one does to a task, on the deal card and in My day: edit it (title, due date, note),
// reassign it to someone else, talk about it (a small thread of comments under it), archive it
// (after a confirmation) and restore it. Edits go on the version read: a 412 says "changed meanwhile".
import { get, patchVersion, post } from "../api.js";
import { dateTime, t } from "../i18n.js";
import { archiveRecord, archivedBadge, lc, restoreRecord, smallForm } from "../lifecycle.js";
import { session } from "../session.js";
import { field, formValues, html, nothing, toast } from "../ui.js";

const people = (users) => Object.entries(users).sort((a, b) => a[1].localeCompare(b[1]));

export function editTask(task) {
  const body = ({ values: v, errors: e }) => html`
    ${field({ label: lc("task_title"), name: "title", value: v.title, error: e.title, required: true })}
    ${field({ label: lc("task_due"), name: "due_date", type: "date", value: v.due_date, error: e.due_date, required: true })}
    ${field({ label: lc("task_note"), name: "note", type: "textarea", value: v.note, error: e.note })}`;
  const save = ({ title, due_date: due, note }) =>
    patchVersion(`/tasks/${task.id}`, { title, due_date: due, note: note || null }, task.version);
  return smallForm(lc("edit_task_title"), { title: task.title, due_date: task.due_date, note: task.note }, body, save, t("common.save"));
}

export function reassignTask(task, users) {
  const others = people(users).filter(([id]) => id !== task.assignee_id);
  const body = ({ values: v, errors: e }) => html`
    <p class="muted">${lc("reassign_intro", { title: task.title, name: users[task.assignee_id] || "—" })}</p>
    ${field({ label: lc("task_assignee"), name: "assignee_id", value: v.assignee_id, error: e.assignee_id, required: true, options: others })}`;
  const save = ({ assignee_id: to }) => patchVersion(`/tasks/${task.id}`, { assignee_id: to }, task.version);
  return smallForm(lc("reassign_title"), { assignee_id: others[0]?.[0] }, body, save, lc("reassign"));
}

export function archiveTask(task) {
  return archiveRecord(`/tasks/${task.id}`, task, { title: lc("archive_task_title"), text: lc("archive_task_text", { title: task.title }) });
}

// The threads open under their tasks, by task id; `redraw()` draws the screen again.
export class Threads {
  constructor(redraw) {
    this.open = new Map();
    this.redraw = redraw;
  }

  async toggle(task) {
    if (this.open.has(task.id)) {
      this.open.delete(task.id);
      return this.redraw();
    }
    this.open.set(task.id, { comments: null });
    this.redraw();
    await this.fetch(task.id);
  }

  async fetch(taskId) {
    const reply = await get(`/tasks/${taskId}/comments`, { page_size: 200 }).catch(() => ({ items: [] }));
    if (this.open.has(taskId)) this.open.set(taskId, { comments: reply.items });
    this.redraw();
  }

  async add(task, form) {
    const { text } = formValues(form);
    if (!text?.trim()) return;
    try {
      await post(`/tasks/${task.id}/comments`, { text: text.trim() });
      form.reset();
      await this.fetch(task.id);
    } catch (error) {
      toast(error.message || t("common.failed"), "bad");
    }
  }

  view(task, users) {
    const thread = this.open.get(task.id);
    if (!thread) return nothing;
    const submit = (event) => {
      event.preventDefault();
      this.add(task, event.target);
    };
    return html`<div class="task-thread" data-thread=${task.id}>
      ${thread.comments === null ? html`<p class="muted small">…</p>`
        : thread.comments.length === 0 ? html`<p class="muted small">${lc("no_comments")}</p>`
        : html`<ol class="comments">${thread.comments.map((c) => html`<li data-comment=${c.id}>
            <strong>${users[c.author_id] || lc("actor_unknown")}</strong> <time>${dateTime(c.created_at)}</time>
            <p>${c.text}</p></li>`)}</ol>`}
      ${session.canWrite ? html`<form class="comment-form" @submit=${submit}>
        <input name="text" aria-label=${lc("comment_text")} placeholder=${lc("comment_placeholder")} />
        <button class="small primary" type="submit">${lc("add_comment")}</button></form>` : nothing}
    </div>`;
  }
}

// The buttons of a task; `after(result)` reloads the screen.
export function taskActions(task, { users, threads, after }) {
  const run = (action) => async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    const result = await action();
    button.disabled = false;
    if (result) await after(result);
  };
  const comment = html`<button class="small ghost" data-action="comment" aria-expanded=${threads.open.has(task.id) ? "true" : "false"}
    @click=${() => threads.toggle(task)}>${lc("comments")}</button>`;
  if (task.archived_at) {
    return html`<span class="lc-actions">${archivedBadge()}${session.canWrite
      ? html`<button class="small" data-action="restore" @click=${run(() => restoreRecord(`/tasks/${task.id}`))}>${lc("restore")}</button>` : nothing}</span>`;
  }
  if (!session.canWrite) return html`<span class="lc-actions">${comment}</span>`;
  const saved = (message) => async () => {
    const result = await message[0]();
    if (result && !result.stale) toast(message[1](result));
    return result;
  };
  return html`<span class="lc-actions">
    <button class="small ghost" data-action="edit" @click=${run(saved([() => editTask(task), () => t("common.saved")]))}>${t("common.edit")}</button>
    <button class="small ghost" data-action="reassign" @click=${run(saved([() => reassignTask(task, users), (r) => lc("reassigned", { name: users[r.assignee_id] || "—" })]))}>${lc("reassign")}</button>
    ${comment}
    <button class="small ghost" data-action="archive" @click=${run(() => archiveTask(task))}>${lc("archive")}</button>
  </span>`;
}
