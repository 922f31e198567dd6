// The company groups (holdings) a counterparty may belong to: added, renamed, archived (no new
// counterparty is put in an archived group; those in it stay) and restored. A card of the Lists tab.
import { everything, patchVersion, post } from "../../api.js";
import { t } from "../../i18n.js";
import { archivedBadge, archivedSwitch, archiveRecord, lc, restoreRecord, smallForm } from "../../lifecycle.js";
import { emptyState, field, html, nothing, toast } from "../../ui.js";

const path = (group) => `/company-groups/${group.id}`;

// The active groups, and the archived ones too when the switch is on.
export async function loadCompanyGroups(showArchived) {
  const [active, archived] = await Promise.all([
    everything("/company-groups"),
    showArchived ? everything("/company-groups", { archived: "true" }) : [],
  ]);
  return { active, archived, showArchived };
}

function rename(group) {
  const body = ({ values: v, errors: e }) => field({ label: t("setup.company_group_name"), name: "name", value: v.name, error: e.name, required: true });
  const save = ({ name }) => patchVersion(path(group), { name: name ?? "" }, group.version);
  return smallForm(t("setup.rename_company_group", { name: group.name }), { name: group.name }, body, save, t("common.save"));
}

// A card of the Lists tab: `state.groups` is what loadCompanyGroups gave, `state.errors.company_group`
// the message under the new group's name; `refused(error)` says a refusal in words.
export function companyGroupsCard(state, draw, refused) {
  const groups = state.groups;
  const reload = async (showArchived) => {
    state.groups = await loadCompanyGroups(showArchived);
    draw();
  };
  const act = (action) => async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    const done = await action();
    button.disabled = false;
    if (done) await reload(groups.showArchived);
  };
  const renamed = (group) => act(async () => {
    const saved = await rename(group);
    if (saved && !saved.stale) toast(t("setup.company_group_renamed", { name: saved.name }));
    return saved;
  });
  const archive = (group) => act(() => archiveRecord(path(group), group, {
    title: t("setup.archive_company_group_title"),
    text: t("setup.archive_company_group_text", { name: group.name }),
  }));
  const restore = (group) => act(() => restoreRecord(path(group)));
  const submit = async (event) => {
    event.preventDefault();
    const form = event.target;
    try {
      const added = await post("/company-groups", { name: form.elements.name.value.trim() });
      toast(t("setup.company_group_added", { name: added.name }));
      form.elements.name.value = "";
      state.errors.company_group = null;
      await reload(groups.showArchived);
    } catch (error) {
      state.errors.company_group = refused(error);
      draw();
    }
  };
  const row = (group) => {
    const archived = Boolean(group.archived_at);
    return html`<li data-entry=${group.name} class=${archived ? "lc-archived" : ""}>
      <span><a href="#/counterparties?group_id=${group.id}" title=${t("counterparties.group_members")}>${group.name}</a>
        ${archived ? archivedBadge() : nothing}</span>
      <span class="lc-actions">${archived
        ? html`<button class="small" @click=${restore(group)}>${lc("restore")}</button>`
        : html`<button class="ghost small" @click=${renamed(group)}>${t("setup.rename")}</button>
            <button class="ghost small" @click=${archive(group)}>${lc("archive")}</button>`}</span>
    </li>`;
  };
  const all = [...groups.active, ...groups.archived];
  const error = state.errors.company_group;
  return html`<section class="card company-groups">
    <div class="card-head"><h2>${t("setup.company_groups")}</h2>${archivedSwitch(groups.showArchived, reload)}</div>
    <p class="muted small">${t("setup.company_groups_hint")}</p>
    ${all.length === 0
      ? emptyState(t("setup.no_company_groups"), t("setup.no_company_groups_hint"))
      : html`<ul class="entries">${all.map(row)}</ul>`}
    <form class="add-entry" novalidate @submit=${submit}>
      <label class="field ${error ? "invalid" : ""}" for="f-company-group-name">
        <span class="label">${t("setup.company_group_new")}<em aria-hidden="true">*</em></span>
        <input id="f-company-group-name" name="name" placeholder=${t("setup.company_group_placeholder")} aria-invalid=${error ? "true" : "false"} />
        ${error ? html`<small class="error" data-field="name">${error}</small>` : nothing}
      </label>
      <button class="primary" type="submit">${t("setup.add")}</button>
    </form>
  </section>`;
}
