// Where a counterparty stands in its holding: the company group it belongs to and the counterparty
// it is a division of, both chosen (or cleared) in one dialog that sends what changed on the
// version read.
import "../board.css";
import { everything, patchVersion } from "../../api.js";
import { t } from "../../i18n.js";
import { archivedBadge } from "../../lifecycle.js";
import { session } from "../../session.js";
import { field, html, nothing, toast } from "../../ui.js";
import { label } from "../counterparties.js";
import { counterpartyPicker } from "../deals-shared.js";
import { card, formDialog, missing, refresh } from "./card.js";

// The groups one may choose: the active ones, and the counterparty's own even when archived.
async function groupChoices(current) {
  const groups = await everything("/company-groups");
  const choices = groups.map((group) => [group.id, group.name]);
  if (current && !groups.some((group) => group.id === current.id)) choices.push([current.id, `${current.name} (${label("group_archived")})`]);
  return choices;
}

async function editHolding(group, parent) {
  const c = card.counterparty;
  const choices = await groupChoices(group);
  const body = (state) => {
    if (state.picked === undefined) Object.assign(state, { picked: parent, matches: [] });
    return html`<p class="muted">${label("holding_hint", { name: c.name })}</p>
      ${field({ label: label("group"), name: "group_id", value: state.values.group_id, error: state.errors.group_id, options: choices,
          hint: choices.length ? label("group_choice_hint") : label("no_groups_hint") })}
      ${counterpartyPicker(state, state.redraw, state.errors.parent_id, { name: "parent_id", label: label("parent"), required: false, skip: c.id })}
      ${state.picked ? html`<button type="button" class="ghost small" data-action="clear-parent"
          @click=${() => { state.picked = null; state.redraw(); }}>${label("clear_parent")}</button>` : nothing}`;
  };
  // Only what changed goes: an empty choice clears it (null).
  const save = (values) => {
    const wanted = { group_id: values.group_id || null, parent_id: values.parent_id || null };
    const changes = Object.fromEntries(Object.entries(wanted).filter(([name, value]) => value !== (c[name] ?? null)));
    return Object.keys(changes).length ? patchVersion(`/counterparties/${c.id}`, changes, c.version) : c;
  };
  const saved = await formDialog(label("holding_title"), { group_id: c.group_id || "" }, body, save);
  if (!saved) return;
  card.counterparty = saved;
  toast(t("common.saved"));
  await refresh();
}

export function holdingCard(group, parent) {
  const c = card.counterparty;
  const writable = session.canWrite && !c.archived_at;
  return html`<section class="card cp-holding">
    <div class="cp-section-head"><h2>${label("holding")}</h2>
      ${writable ? html`<button class="small" @click=${() => editHolding(group, parent)}>${t("common.edit")}</button>` : nothing}</div>
    <dl class="facts">
      <dt>${label("group")}</dt><dd data-fact="group">${group
        ? html`<a href="#/counterparties?group_id=${group.id}" title=${label("group_members")}>${group.name}</a>
            ${group.archived_at ? archivedBadge() : nothing}`
        : c.group_id ? label("group_unknown") : missing}</dd>
      <dt>${label("parent")}</dt><dd data-fact="parent">${parent
        ? html`<a href="#/counterparties/${parent.id}">${parent.name}</a>`
        : c.parent_id ? label("parent_unknown") : missing}</dd>
    </dl>
  </section>`;
}
