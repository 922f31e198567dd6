// What every tab of the counterparty card shares: the card being shown, how to reload it or open
// a tab, and a dialog around a form that shows the API's messages under their fields.
import { t } from "../../i18n.js";
import { refused, staleNotice } from "../../lifecycle.js";
import { go } from "../../router.js";
import { session } from "../../session.js";
import { dialog, formValues, html, nothing } from "../../ui.js";
import { label } from "../counterparties.js";

// {id, counterparty, users, tab, query, data, failure, root}; `reload` is set by the card screen.
export const card = { id: null, reload: async () => {} };

// After a change: the tab again, and the counterparty too when its completeness may have moved.
export const refresh = (options) => card.reload(options);

export const openTab = (tab, extra = {}) => go(`/counterparties/${card.id}`, tab === "details" ? extra : { tab, ...extra });
export const missing = html`<span class="muted">—</span>`;
export const nameOf = (userId) => (userId ? card.users.get(userId) || label("unknown_user") : null);

export function sectionHead(title, action = nothing) {
  return html`<div class="cp-section-head"><h2>${title}</h2>${session.canWrite ? action : nothing}</div>`;
}

// A dialog around a form: `body(state)` draws the fields with the API's messages under them
// (state.errors, by the API's field names), `save(values, form)` sends them. A change refused as
// made on an old version says so and offers to reload the tab.
export function formDialog(title, initial, body, save, submitLabel = t("common.save")) {
  const state = { values: initial, errors: {}, message: null, busy: false };
  return dialog(title, (close, redraw) => {
    state.redraw = redraw;
    async function submit(event) {
      event.preventDefault();
      state.values = formValues(event.target);
      Object.assign(state, { busy: true, errors: {}, message: null });
      redraw();
      try {
        close(await save(state.values, event.target, state));
      } catch (error) {
        refused(state, error);
        redraw();
      }
    }
    return html`<form class="cp-form" novalidate @submit=${submit}>
      ${body(state)}
      ${state.stale ? staleNotice(() => {
        close(null);
        refresh({ counterparty: true });
      }) : nothing}
      ${state.message ? html`<div class="alert" role="alert">${state.message}</div>` : nothing}
      <div class="form-actions">
        <button type="button" class="ghost" @click=${() => close(null)}>${t("common.cancel")}</button>
        <button type="submit" class="primary" ?disabled=${state.busy}>${submitLabel}</button>
      </div>
    </form>`;
  });
}

export function fact(name, value) {
  return html`<dt>${label(name)}</dt><dd>${value || missing}</dd>`;
}
