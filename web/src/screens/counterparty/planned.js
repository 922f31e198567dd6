// The calls and meetings planned with the counterparty and not logged yet, over its Timeline:
// each may be marked done with its outcome, rescheduled or archived.
import { get } from "../../api.js";
import { dateTime } from "../../i18n.js";
import { interactionActions, lc } from "../../lifecycle.js";
import { session } from "../../session.js";
import { badge, html, nothing } from "../../ui.js";
import { label } from "../counterparties.js";
import { card, nameOf, refresh } from "./card.js";

// From the contacts service itself, so a change shows at once (the timeline follows by events).
export async function loadPlanned() {
  const reply = await get("/interactions", { counterparty_id: card.id, page_size: 200 }).catch(() => ({ items: [] }));
  return reply.items
    .filter((i) => i.planned_at && !i.done_at)
    .sort((a, b) => a.planned_at.localeCompare(b.planned_at));
}

export function viewPlanned(planned) {
  if (!planned.length) return nothing;
  const writable = session.canWrite && !card.counterparty.archived_at;
  return html`<section class="card cp-planned" aria-label=${lc("planned_title")}>
    <h2>${lc("planned_title")}</h2>
    <ul class="lc-planned">${planned.map((i) => html`<li data-interaction=${i.id} class=${i.overdue ? "late" : ""}>
      <div class="what"><strong>${i.subject}</strong>
        <small class="muted">${label(`kind_label_${i.kind}`)}${i.owner_id ? html` · ${nameOf(i.owner_id)}` : nothing}</small></div>
      <time datetime=${i.planned_at}>${dateTime(i.planned_at)}</time>
      ${i.overdue ? badge(lc("not_logged"), "bad") : badge(label("planned"), "warn")}
      ${writable ? interactionActions(i, () => refresh()) : nothing}
    </li>`)}</ul>
  </section>`;
}
