// The lists the company keeps: why deals are lost (and orders fail), the lists declared in the
// gateway's MANAGED_LISTS (where deals come from, ...) and the company groups counterparties belong
// to. The first two are listed in the order they were set up and grow by one entry at a time; their
// entries are not renamed or removed here. Company groups are renamed, archived and restored.
import { ApiError, everything, post } from "../../api.js";
import { t } from "../../i18n.js";
import { badge, emptyState, html, nothing, render, toast } from "../../ui.js";
import { companyGroupsCard, loadCompanyGroups } from "./company-groups.js";

export const REASON_KINDS = ["deal", "order"];
// gateway/schemas/deals.py MANAGED_LISTS, by path; `key` names its labels in setup.json.
export const MANAGED_LISTS = [{ path: "/deal-sources", key: "deal_source" }];

export async function show(root, { alive }) {
  const [reasons, groups, ...lists] = await Promise.all([
    everything("/lost-reasons"),
    loadCompanyGroups(false),
    ...MANAGED_LISTS.map((list) => everything(list.path)),
  ]);
  if (!alive()) return;
  const state = { reasons, lists, groups, errors: {} };
  const draw = () =>
    render(
      html`<div class="cards setup-lists">
        ${reasonsCard(state, draw)}
        ${MANAGED_LISTS.map((list, i) => listCard(list, i, state, draw))}
        ${companyGroupsCard(state, draw, refused)}
      </div>`,
      root,
    );
  draw();
}

// The API's message for the name (or the whole answer's), under the form's name field.
function refused(error) {
  if (!(error instanceof ApiError)) throw error;
  return error.fields.name || Object.values(error.fields)[0] || error.message;
}

function addForm({ id, label, placeholder, error, extra = nothing, submit }) {
  return html`<form class="add-entry" novalidate @submit=${submit}>
    <label class="field ${error ? "invalid" : ""}" for=${id}>
      <span class="label">${label}<em aria-hidden="true">*</em></span>
      <input id=${id} name="name" placeholder=${placeholder} aria-invalid=${error ? "true" : "false"} />
      ${error ? html`<small class="error" data-field="name">${error}</small>` : nothing}
    </label>
    ${extra}
    <button class="primary" type="submit">${t("setup.add")}</button>
  </form>`;
}

function reasonsCard(state, draw) {
  const submit = async (event) => {
    event.preventDefault();
    const form = event.target;
    const body = { name: form.elements.name.value.trim(), kind: form.elements.kind.value };
    try {
      const added = await post("/lost-reasons", body);
      state.reasons = [...state.reasons, added];
      state.errors.reason = null;
      form.elements.name.value = "";
      toast(t("setup.reason_added", { name: added.name }));
    } catch (error) {
      state.errors.reason = refused(error);
    }
    draw();
  };
  const kind = html`<label class="field" for="f-reason-kind"><span class="label">${t("setup.reason_kind")}</span>
    <select id="f-reason-kind" name="kind">${REASON_KINDS.map((k) => html`<option value=${k}>${t(`setup.reason_kind_${k}`)}</option>`)}</select></label>`;
  return html`<section class="card lost-reasons">
    <h2>${t("setup.lost_reasons")}</h2>
    <p class="muted small">${t("setup.lost_reasons_hint")}</p>
    ${state.reasons.length === 0
      ? emptyState(t("setup.no_reasons"), t("setup.no_reasons_hint"))
      : html`<ul class="entries">${state.reasons.map(
          (reason) => html`<li data-entry=${reason.name}><span>${reason.name}</span>${badge(t(`setup.reason_kind_${reason.kind}`), reason.kind === "deal" ? "info" : "")}</li>`,
        )}</ul>`}
    ${addForm({ id: "f-reason-name", label: t("setup.reason_name"), placeholder: t("setup.reason_placeholder"),
        error: state.errors.reason, extra: kind, submit })}
  </section>`;
}

function listCard(list, index, state, draw) {
  const entries = state.lists[index];
  const submit = async (event) => {
    event.preventDefault();
    const form = event.target;
    try {
      const added = await post(list.path, { name: form.elements.name.value.trim() });
      state.lists[index] = [...entries, added];
      state.errors[list.key] = null;
      form.elements.name.value = "";
      toast(t("setup.entry_added", { name: added.name }));
    } catch (error) {
      state.errors[list.key] = refused(error);
    }
    draw();
  };
  return html`<section class="card managed-list" data-list=${list.key}>
    <h2>${t(`setup.list_${list.key}`)}</h2>
    <p class="muted small">${t(`setup.list_${list.key}_hint`)}</p>
    ${entries.length === 0
      ? emptyState(t("setup.list_empty"), t("setup.list_empty_hint"))
      : html`<ol class="entries">${entries.map((entry) => html`<li data-entry=${entry.name}>${entry.name}</li>`)}</ol>`}
    ${addForm({ id: `f-${list.key}-name`, label: t(`setup.list_${list.key}_item`), placeholder: t(`setup.list_${list.key}_placeholder`),
        error: state.errors[list.key], submit })}
  </section>`;
}
