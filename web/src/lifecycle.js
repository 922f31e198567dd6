// Records with a lifecycle, as every screen shows them: archive (after a confirmation) and
// restore, the banner of an archived record, the "show archived" switch, the notice of a change
// refused because someone changed the record meanwhile (412), and what one does to a planned call
// or meeting: mark it done with its outcome, reschedule it, archive it.
import "./lifecycle.css";
import { ApiError, isConflict, isStale, post, postVersion, patchVersion, removeVersion } from "./api.js";
import { dateTime, fromLocalInput, localInput, t } from "./i18n.js";
import { badge, dialog, field, formValues, html, nothing, toast } from "./ui.js";

export const lc = (key, params) => t(`lifecycle.${key}`, params);

// -- confirmation, badges, banners -----------------------------------------------------------

// Resolves true when the user confirms.
// What a form shows when its save was refused: the fields named, "changed meanwhile" (412), or
// the failure in words.
export function refused(state, error) {
  const invalid = error instanceof ApiError && error.status === 422 && Object.keys(error.fields).length;
  state.errors = invalid ? error.fields : {};
  state.stale = isStale(error);
  state.message = state.stale ? null : invalid ? t("common.fix_fields") : failureText(error);
  state.busy = false;
}

export function confirmDialog(title, text, actionLabel, tone = "danger") {
  return dialog(title, (close) => html`<div class="lc-confirm">
    <p>${text}</p>
    <div class="form-actions">
      <button type="button" class="ghost" @click=${() => close(false)}>${t("common.cancel")}</button>
      <button type="button" class=${tone} @click=${() => close(true)}>${actionLabel}</button>
    </div>
  </div>`).then(Boolean);
}

export const archivedBadge = () => badge(lc("archived"), "warn");

// The banner over an archived record: since when, and Restore for whoever may write.
export function archivedBanner(record, { what, onRestore, canWrite }) {
  return html`<div class="lc-banner" role="status" data-archived>
    <span class="lc-banner-icon" aria-hidden="true">🗄</span>
    <div><strong>${lc("archived_banner", { what })}</strong>
      <small>${lc("archived_since", { at: dateTime(record.archived_at) })} · ${lc("archived_hint")}</small></div>
    ${canWrite ? html`<button class="primary" @click=${onRestore}>${lc("restore")}</button>` : nothing}
  </div>`;
}

// "Show archived": a switch whose state the screen keeps (in its route, mostly).
export function archivedSwitch(checked, onChange) {
  return html`<label class="lc-switch"><input type="checkbox" name="archived" .checked=${checked}
    @change=${(event) => onChange(event.target.checked)} /><span>${lc("show_archived")}</span></label>`;
}

// The notice of a change refused because the record moved on since it was read.
export function staleNotice(onReload) {
  return html`<div class="lc-stale cp-notice warn" role="alert" data-stale>
    <p><strong>${lc("stale")}</strong></p>
    <p class="muted">${lc("stale_hint")}</p>
    <button type="button" class="primary small" @click=${onReload}>${lc("reload")}</button>
  </div>`;
}

// What a failed change says in the reader's language: a stale version, an archived record, or the
// API's own words.
export function failureText(error) {
  if (isStale(error)) return lc("stale");
  if (isConflict(error)) return lc("conflict_archived");
  return error?.message || t("common.failed");
}

// Archive (after confirming) or restore a record at `path`; resolves true when it happened.
export async function archiveRecord(path, record, { title, text }) {
  if (!(await confirmDialog(title, text, lc("archive")))) return false;
  try {
    await removeVersion(path, record.version);
    toast(lc("archived_done"));
    return true;
  } catch (error) {
    toast(failureText(error), "bad");
    return false;
  }
}

export async function restoreRecord(path) {
  try {
    const restored = await post(`${path}/restore`);
    toast(lc("restored_done"));
    return restored;
  } catch (error) {
    toast(failureText(error), "bad");
    return null;
  }
}

// -- planned calls and meetings --------------------------------------------------------------


// A small form in a dialog, with the API's messages under their fields and the stale notice.
export function smallForm(title, initial, body, save, submitLabel) {
  const state = { values: initial, errors: {}, message: null, stale: false, busy: false };
  return dialog(title, (close, redraw) => {
    async function submit(event) {
      event.preventDefault();
      state.values = formValues(event.target);
      Object.assign(state, { busy: true, errors: {}, message: null, stale: false });
      redraw();
      try {
        close(await save(state.values));
      } catch (error) {
        refused(state, error);
        redraw();
      }
    }
    return html`<form class="lc-form" novalidate @submit=${submit}>
      ${body(state)}
      ${state.stale ? staleNotice(() => close({ stale: true })) : nothing}
      ${state.message ? html`<div class="alert" role="alert">${state.message}</div>` : nothing}
      <div class="form-actions">
        <button type="button" class="ghost" @click=${() => close(null)}>${t("common.cancel")}</button>
        <button type="submit" class="primary" ?disabled=${state.busy}>${submitLabel}</button>
      </div>
    </form>`;
  });
}

const subjectOf = (interaction) => interaction.subject || lc(`kind_${interaction.kind}`);

// "Mark done": when it took place (now unless said) and what came of it.
export function markDone(interaction) {
  const body = ({ values: v, errors: e }) => html`
    <p class="muted">${lc("done_intro", { subject: subjectOf(interaction), at: dateTime(interaction.planned_at) })}</p>
    ${field({ label: lc("outcome"), name: "outcome", type: "textarea", value: v.outcome, error: e.outcome, hint: lc("outcome_hint") })}
    ${field({ label: lc("done_at"), name: "done_at", type: "datetime-local", value: v.done_at, error: e.done_at })}`;
  const save = ({ outcome, done_at: at }) =>
    postVersion(`/interactions/${interaction.id}/done`, { outcome: outcome ?? null, ...(at ? { done_at: fromLocalInput(at).toISOString() } : {}) }, interaction.version);
  return smallForm(lc("done_title"), { done_at: localInput() }, body, save, lc("mark_done"));
}

// "Reschedule": a new day and time.
export function reschedule(interaction) {
  const body = ({ values: v, errors: e }) => html`
    <p class="muted">${lc("reschedule_intro", { subject: subjectOf(interaction), at: dateTime(interaction.planned_at) })}</p>
    ${field({ label: lc("new_time"), name: "planned_at", type: "datetime-local", value: v.planned_at, error: e.planned_at, required: true })}`;
  const save = ({ planned_at: at }) => {
    if (!at) throw new ApiError(422, { errors: [{ field: "planned_at", message: lc("new_time_required") }] });
    return patchVersion(`/interactions/${interaction.id}`, { planned_at: fromLocalInput(at).toISOString() }, interaction.version);
  };
  return smallForm(lc("reschedule_title"), { planned_at: localInput(interaction.planned_at) }, body, save, lc("reschedule"));
}

export function archiveInteraction(interaction) {
  return archiveRecord(`/interactions/${interaction.id}`, interaction, {
    title: lc("archive_interaction_title"),
    text: lc("archive_interaction_text", { subject: subjectOf(interaction) }),
  });
}

// The buttons of a planned interaction; `after(changed)` reloads the screen (changed is what the
// API answered, or { stale: true } when the user asked to reload a record that moved on).
export function interactionActions(interaction, after) {
  const run = (action, done) => async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    const result = await action(interaction);
    button.disabled = false;
    if (!result) return;
    if (result !== true && !result.stale && done) toast(done(result));
    await after(result);
  };
  return html`<span class="lc-actions">
    <button class="small success" data-action="done" @click=${run(markDone, () => lc("marked_done", { subject: subjectOf(interaction) }))}>✓ ${lc("mark_done")}</button>
    <button class="small" data-action="reschedule" @click=${run(reschedule, (i) => lc("rescheduled", { at: dateTime(i.planned_at) }))}>${lc("reschedule")}</button>
    <button class="small ghost" data-action="archive" @click=${run(archiveInteraction)}>${lc("archive")}</button>
  </span>`;
}
