// The Supplier profile and Terms tabs: what a supplier delivers and on what terms, and the
// individual terms a customer buys on.
import { put } from "../../api.js";
import { money, number, percent, t } from "../../i18n.js";
import { session } from "../../session.js";
import { emptyState, field, html, nothing, toast } from "../../ui.js";
import { completeness, label } from "../counterparties.js";
import { card, fact, formDialog, refresh, sectionHead } from "./card.js";

// -- supplier profile ------------------------------------------------------------------------

function readItems(form) {
  return [...form.querySelectorAll("tr[data-item]")].map((row) =>
    Object.fromEntries(["sku", "name", "price", "currency"].map((name) => [name, row.querySelector(`[data-name=${name}]`).value.trim()])),
  );
}

function itemCell(state, i, name, value, attrs = {}) {
  const error = state.errors[`items.${i}.${name}`];
  return html`<td class=${error ? "invalid" : ""}><input data-name=${name} .value=${value ?? ""} aria-label=${label(`item_${name}`)}
      aria-invalid=${error ? "true" : "false"} size=${attrs.size || nothing} inputmode=${attrs.inputmode || nothing} />
    ${error ? html`<small class="error" data-field="items.${i}.${name}">${error}</small>` : nothing}</td>`;
}

function itemsEditor(state) {
  const edit = (change) => (event) => {
    state.items = readItems(event.target.closest("form"));
    change();
    state.redraw();
  };
  return html`<h4>${label("items")}</h4>
    <table class="cp-items-editor">
      <thead><tr><th>${label("item_sku")}</th><th>${label("item_name")}</th><th>${label("item_price")}</th><th>${label("item_currency")}</th><th></th></tr></thead>
      <tbody>${state.items.map((item, i) => html`<tr data-item>
        ${itemCell(state, i, "sku", item.sku, { size: 8 })}${itemCell(state, i, "name", item.name)}
        ${itemCell(state, i, "price", item.price, { size: 10, inputmode: "decimal" })}${itemCell(state, i, "currency", item.currency, { size: 4 })}
        <td><button type="button" class="ghost small" aria-label=${label("remove_item")} @click=${edit(() => state.items.splice(i, 1))}>×</button></td>
      </tr>`)}</tbody>
    </table>
    <p class="muted cp-small">${state.items.length === 0 ? label("no_items_hint") : label("price_hint")}</p>
    <button type="button" class="small" @click=${edit(() => state.items.push({ currency: "VND" }))}>+ ${label("add_item")}</button>`;
}

const integer = (value) => (value === undefined ? null : Number(value));

async function editSupplier(profile) {
  const body = (state) => {
    state.items ??= profile.items.map((item) => ({ ...item }));
    const { values: v, errors: e } = state;
    return html`
      ${field({ label: label("delivery_terms"), name: "delivery_terms", type: "textarea", value: v.delivery_terms, error: e.delivery_terms, hint: label("delivery_terms_hint") })}
      <div class="form-grid">
        ${field({ label: label("reliability"), name: "reliability", type: "number", value: v.reliability, error: e.reliability, hint: label("reliability_hint"), attrs: { min: 0, max: 100 } })}
        ${field({ label: label("lead_time"), name: "lead_time_days", type: "number", value: v.lead_time_days, error: e.lead_time_days, hint: label("lead_time_hint"), attrs: { min: 0 } })}
      </div>
      ${itemsEditor(state)}`;
  };
  const save = (values, form, state) => {
    state.items = readItems(form);
    return put(`/counterparties/${card.id}/supplier-profile`, {
      delivery_terms: values.delivery_terms ?? null,
      reliability: integer(values.reliability),
      lead_time_days: integer(values.lead_time_days),
      items: state.items,
    });
  };
  if (await formDialog(label("supplier_title"), { ...profile }, body, save)) {
    toast(t("common.saved"));
    await refresh();
  }
}

export function viewSupplier(profile) {
  const c = card.counterparty;
  const edit = html`<button class="primary" @click=${() => editSupplier(profile)}>${label("edit_supplier")}</button>`;
  const empty = !profile.delivery_terms && profile.reliability == null && profile.lead_time_days == null && profile.items.length === 0;
  if (empty) {
    const supplier = c.roles.includes("supplier");
    return html`<div class="card">${emptyState(
      label("no_supplier"),
      supplier ? label("no_supplier_hint", { name: c.name }) : label("not_supplier_hint", { name: c.name }),
      session.canWrite ? (supplier ? edit : html`<button @click=${() => editSupplier(profile)}>${label("edit_supplier")}</button>`) : nothing,
    )}</div>`;
  }
  return html`${sectionHead(label("tab_supplier"), edit)}
    <div class="split">
      <section class="card"><h3>${label("items_count", { n: profile.items.length })}</h3>
        ${profile.items.length
          ? html`<table class="cp-compact"><thead><tr><th>${label("item_sku")}</th><th>${label("item_name")}</th><th class="num">${label("item_price")}</th></tr></thead>
              <tbody>${profile.items.map((item) => html`<tr><td><code>${item.sku}</code></td><td>${item.name}</td><td class="num">${money(item.price, item.currency)}</td></tr>`)}</tbody></table>`
          : html`<p class="muted">${label("no_items_hint")}</p>`}
      </section>
      <section class="card"><dl class="facts">
        ${fact("delivery_terms", profile.delivery_terms && html`<span class="cp-pre">${profile.delivery_terms}</span>`)}
        ${fact("reliability", profile.reliability != null && completeness(profile.reliability))}
        ${fact("lead_time", profile.lead_time_days != null && label("days", { n: number(profile.lead_time_days) }))}
      </dl></section>
    </div>`;
}

// -- customer terms --------------------------------------------------------------------------

async function editTerms(terms) {
  const body = ({ values: v, errors: e }) => html`<div class="form-grid">
    ${field({ label: label("discount"), name: "discount_percent", value: v.discount_percent, error: e.discount_percent, hint: label("discount_hint"), attrs: { step: "0.01" } })}
    ${field({ label: label("payment_days"), name: "payment_days", type: "number", value: v.payment_days, error: e.payment_days, hint: label("payment_days_hint"), attrs: { min: 0 } })}
  </div>
  ${field({ label: label("price_list"), name: "price_list", value: v.price_list, error: e.price_list, hint: label("price_list_hint") })}`;
  const save = (values) =>
    put(`/counterparties/${card.id}/terms`, {
      discount_percent: values.discount_percent ?? null,
      price_list: values.price_list ?? null,
      payment_days: integer(values.payment_days),
    });
  if (await formDialog(label("terms_title"), { ...terms }, body, save)) {
    toast(t("common.saved"));
    await refresh();
  }
}

export function viewTerms(terms) {
  const edit = html`<button class="primary" @click=${() => editTerms(terms)}>${label("edit_terms")}</button>`;
  if (terms.discount_percent == null && !terms.price_list && terms.payment_days == null) {
    return html`<div class="card">${emptyState(label("no_terms"), label("no_terms_hint", { name: card.counterparty.name }), session.canWrite ? edit : nothing)}</div>`;
  }
  return html`${sectionHead(label("tab_terms"), edit)}
    <div class="cp-terms-stats">
      <div class="card cp-stat"><small>${label("discount")}</small><strong>${terms.discount_percent != null ? percent(Number(terms.discount_percent) / 100, 2) : "—"}</strong></div>
      <div class="card cp-stat"><small>${label("price_list")}</small><strong>${terms.price_list || "—"}</strong></div>
      <div class="card cp-stat"><small>${label("payment_days")}</small><strong>${terms.payment_days != null ? label("days", { n: number(terms.payment_days) }) : "—"}</strong></div>
    </div>`;
}
