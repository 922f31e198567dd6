// What the board, the deal card and the analytics share: names of people and counterparties, the
// deal's fields chosen from a list, the deal form, losing.
import { ApiError, everything, get, isStale, patchVersion, post } from "../api.js";
import { calendarDay, t } from "../i18n.js";
import { staleNotice } from "../lifecycle.js";
import { session } from "../session.js";
import { debounce, field, formValues, html, nothing } from "../ui.js";

let users = null;
export async function userNames() {
  if (!users) {
    const reply = await get("/users", { page_size: 500 });
    users = Object.fromEntries(reply.items.map((u) => [u.id, u.full_name || u.username]));
  }
  return users;
}

export async function counterpartyNames(ids) {
  const unique = [...new Set(ids.filter(Boolean))];
  const names = {};
  for (let i = 0; i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    const reply = await get("/counterparties", { ids: chunk.join(","), page_size: 500 });
    for (const c of reply.items) names[c.id] = c.name;
  }
  return names;
}

// The deal's fields chosen from a list someone keeps: said once here, each one is a field of the
// deal form, a line of the card's facts, a filter of the board and of the funnel, and a grouping
// of the deal outcomes report. `dimension` is its name in analytics, `label` its locale key.
export const DEAL_CHOICES = [
  { field: "campaign_id", dimension: "campaign", list: "/campaigns", label: "deal.campaign" },
  { field: "source_id", dimension: "source", list: "/deal-sources", label: "deal.source" },
];

// Every choice's entries as { field: { id: name } }, fresh on each screen.
export async function choiceNames() {
  const lists = await Promise.all(DEAL_CHOICES.map((choice) => everything(choice.list)));
  return Object.fromEntries(
    DEAL_CHOICES.map((choice, i) => [choice.field, Object.fromEntries(lists[i].map((item) => [item.id, item.name]))]),
  );
}

// The filters of the choices, as the query of /deals or of an analytics report takes them.
export function choiceQuery(query) {
  return Object.fromEntries(DEAL_CHOICES.filter((choice) => query[choice.field]).map((choice) => [choice.field, query[choice.field]]));
}

// A select per choice, "all" first; `change` gets { field: id or "" }.
export function choiceFilters(choices, query, change) {
  return DEAL_CHOICES.map(
    (choice) => html`<label class="filter"><span>${t(choice.label)}</span>
      <select name=${choice.field} @change=${(event) => change({ [choice.field]: event.target.value })}>
        <option value="">${t("deal.any")}</option>
        ${Object.entries(choices[choice.field] || {}).map(
          ([id, name]) => html`<option value=${id} ?selected=${query[choice.field] === id}>${name}</option>`,
        )}
      </select></label>`,
  );
}

export function initials(name = "") {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(-2)
    .map((part) => part[0].toUpperCase())
    .join("");
}

export function isOverdue(deal) {
  return deal.status === "open" && deal.expected_close_date && deal.expected_close_date < calendarDay();
}

// A search box that picks one counterparty; its id goes into a hidden field of the form (named
// `name`). `skip` is an id never offered (the counterparty itself, when picking its parent).
export function counterpartyPicker(state, redraw, error, { name = "counterparty_id", label = t("deal.counterparty"), required = true, skip } = {}) {
  const search = debounce(async (q) => {
    const found = q.trim().length < 1 ? [] : (await get("/counterparties", { q, page_size: 8 })).items;
    state.matches = found.filter((c) => c.id !== skip);
    redraw();
  }, 200);
  return html`<div class="field picker ${error ? "invalid" : ""}">
    <span class="label">${label}${required ? html`<em aria-hidden="true">*</em>` : nothing}</span>
    <input type="hidden" name=${name} .value=${state.picked?.id || ""} />
    ${state.picked
      ? html`<div class="picked"><strong>${state.picked.name}</strong>
          <button type="button" class="ghost small" @click=${() => { state.picked = null; redraw(); }}>${t("deal.change")}</button></div>`
      : html`<input type="search" aria-label=${label} placeholder=${t("deal.find_counterparty")}
          @input=${(e) => search(e.target.value)} />
          ${state.matches?.length
            ? html`<div class="matches">${state.matches.map(
                (c) => html`<button type="button" class="ghost" @click=${() => { state.picked = c; state.matches = []; redraw(); }}>
                  ${c.name}<small>${c.region || c.tax_id || ""}</small></button>`,
              )}</div>`
            : nothing}`}
    ${error ? html`<small class="error" data-field=${name}>${error}</small>` : nothing}
  </div>`;
}

// The deal form: new (with pipeline) or edit (PATCH on the version read). Resolves with the saved
// deal, or { stale: true } when someone changed the deal meanwhile and the user asks to reload it.
export function dealForm({ deal = null, pipelines, pipelineId, names, onSaved }) {
  const state = { errors: {}, stale: false, picked: deal ? { id: deal.counterparty_id, name: names[deal.counterparty_id] } : null, matches: [] };
  return (close, redraw) => {
    async function submit(event) {
      event.preventDefault();
      const values = formValues(event.target);
      for (const choice of DEAL_CHOICES) {
        if (deal?.[choice.field] && !values[choice.field]) values[choice.field] = null; // cleared
      }
      try {
        const saved = deal
          ? await patchVersion(`/deals/${deal.id}`, values, deal.version)
          : await post("/deals", { currency: "VND", ...values });
        close(saved);
        onSaved?.(saved);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        state.stale = isStale(error);
        state.errors = state.stale ? {} : Object.keys(error.fields).length ? error.fields : { title: error.message };
        redraw();
      }
    }
    const e = state.errors;
    return html`<form class="deal-form" @submit=${submit} novalidate>
      ${field({ label: t("deal.title"), name: "title", value: deal?.title, error: e.title, required: true })}
      ${deal
        ? nothing
        : field({ label: t("deal.pipeline"), name: "pipeline_id", value: pipelineId, error: e.pipeline_id, required: true,
            options: pipelines.map((p) => [p.id, p.name]) })}
      ${counterpartyPicker(state, redraw, e.counterparty_id)}
      <div class="form-grid">
        ${field({ label: t("deal.amount"), name: "amount", value: deal?.amount, error: e.amount, type: "number", attrs: { step: "0.01", min: 0 } })}
        ${field({ label: t("deal.currency"), name: "currency", value: deal?.currency || "VND", error: e.currency,
            options: ["VND", "USD", "EUR"].map((c) => [c, c]), required: true })}
        ${field({ label: t("deal.expected_close_date"), name: "expected_close_date", value: deal?.expected_close_date, error: e.expected_close_date, type: "date" })}
        ${field({ label: t("deal.owner"), name: "owner_id", value: deal?.owner_id || session.me.id, error: e.owner_id,
            options: Object.entries(names.users || {}) })}
        ${DEAL_CHOICES.map((choice) => field({ label: t(choice.label), name: choice.field, value: deal?.[choice.field] || "",
            error: e[choice.field], options: Object.entries(names.choices?.[choice.field] || {}) }))}
      </div>
      ${state.stale ? staleNotice(() => close({ stale: true })) : nothing}
      <div class="form-actions"><button type="button" class="ghost" @click=${() => close(null)}>${t("common.cancel")}</button>
        <button class="primary" type="submit">${deal ? t("common.save") : t("deal.create")}</button></div>
    </form>`;
  };
}

// Losing needs a reason from the list; a competitor and a comment are optional.
export async function loseForm(deal) {
  const [reasons, competitors] = await Promise.all([
    get("/lost-reasons", { kind: "deal", page_size: 500 }),
    get("/counterparties", { role: "competitor", page_size: 500 }),
  ]);
  const state = { errors: {} };
  return (close, redraw) => {
    async function submit(event) {
      event.preventDefault();
      try {
        close(await post(`/deals/${deal.id}/lose`, formValues(event.target)));
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        state.errors = Object.keys(error.fields).length ? error.fields : { reason_id: error.message };
        redraw();
      }
    }
    return html`<form @submit=${submit} novalidate>
      <p class="muted">${t("deal.lose_hint", { title: deal.title })}</p>
      ${field({ label: t("deal.lost_reason"), name: "reason_id", error: state.errors.reason_id, required: true,
          options: [["", t("deal.choose_reason")], ...reasons.items.map((r) => [r.id, r.name])] })}
      ${field({ label: t("deal.competitor"), name: "competitor_id", error: state.errors.competitor_id,
          options: competitors.items.map((c) => [c.id, c.name]) })}
      ${field({ label: t("deal.comment"), name: "comment", type: "textarea", error: state.errors.comment })}
      <div class="form-actions"><button type="button" class="ghost" @click=${() => close(null)}>${t("common.cancel")}</button>
        <button class="danger" type="submit">${t("deal.mark_lost")}</button></div>
    </form>`;
  };
}
