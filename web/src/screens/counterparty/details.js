// The Details tab: the facts, its company group and parent, contact persons and recent activity at
// a glance, how complete the card is and what is missing, and the ABC/XYZ classes with their history.
import { get } from "../../api.js";
import { date, dateTime, percent } from "../../i18n.js";
import { html, nothing } from "../../ui.js";
import { classBadges, completeness, label, statusBadge } from "../counterparties.js";
import { card, fact, nameOf } from "./card.js";
import { loadTimeline, timelineList } from "./history.js";
import { holdingCard } from "./holding.js";

const COMPLETENESS_FIELDS = ["tax_id", "region", "industry", "email", "phone", "address"];

export async function loadDetails() {
  const c = card.counterparty;
  const [contacts, history, group, parent, timeline] = await Promise.all([
    get("/contacts", { counterparty_id: c.id, page_size: 4 }),
    get("/analytics/classifications/history", { counterparty_id: c.id, page_size: 6 }).catch(() => null),
    c.group_id ? get(`/company-groups/${c.group_id}`).catch(() => null) : null,
    c.parent_id ? get(`/counterparties/${c.parent_id}`).catch(() => null) : null,
    loadTimeline(4).catch(() => ({ entries: [], deals: new Map() })),
  ]);
  return { contacts, history, group, parent, recent: timeline };
}

function facts(c) {
  return html`<section class="card"><h2>${label("facts")}</h2><dl class="facts">
    ${fact("legal_kind", label(c.legal_kind))}
    ${fact("tax_id", c.tax_id)}
    ${fact("email", c.email && html`<a href="mailto:${c.email}">${c.email}</a>`)}
    ${fact("phone", c.phone && html`<a href="tel:${c.phone.replace(/[^+\d]/g, "")}">${c.phone}</a>`)}
    ${fact("address", c.address && html`<span class="cp-pre">${c.address}</span>`)}
    ${fact("region", c.region)}
    ${fact("industry", c.industry)}
    ${fact("owner", nameOf(c.owner_id))}
    ${fact("created", date(c.created_at))}
    ${fact("updated", dateTime(c.updated_at))}
  </dl></section>`;
}

function completenessCard(c, hasContact) {
  const gaps = [...COMPLETENESS_FIELDS.filter((name) => !c[name]).map((name) => label(name))];
  if (!hasContact) gaps.push(label("a_contact"));
  return html`<section class="card"><h2>${label("completeness")}</h2>
    <div class="cp-big-meter">${completeness(c.completeness)}</div>
    ${gaps.length
      ? html`<p class="muted">${label("missing")}</p><ul class="cp-gaps">${gaps.map((gap) => html`<li>${gap}</li>`)}</ul>`
      : html`<p class="muted">${label("complete")}</p>`}
  </section>`;
}

function classificationCard(c, history) {
  const rows = history?.items || [];
  return html`<section class="card"><h2>${label("classification")}</h2>
    <dl class="facts">
      <dt>${label("status")}</dt><dd>${statusBadge(c.status)} <small class="muted">${label(`status_${c.status}_hint`)}</small></dd>
      <dt>${label("classes")}</dt><dd>${classBadges(c)}
        ${c.abc ? html`<small class="muted">${label(`abc_${c.abc}_hint`)}${c.xyz ? html`; ${label(`xyz_${c.xyz}_hint`)}` : nothing}</small>` : nothing}</dd>
    </dl>
    ${c.abc || c.xyz ? nothing : html`<p class="muted">${label("no_class_hint")}</p>`}
    ${rows.length
      ? html`<h4>${label("class_history")}</h4><table class="cp-compact"><tbody>${rows.map(
          (r) => html`<tr><td>${date(r.period_from)} – ${date(r.period_to)}</td>
            <td>${label(`parameter_${r.parameter}`)}</td><td>${classBadges(r)}</td>
            <td class="num" title=${label("share_hint")}>${percent(r.share / 100, 1)}</td></tr>`,
        )}</tbody></table>`
      : nothing}
  </section>`;
}

function peopleCard(contacts) {
  const more = html`<a href="#/counterparties/${card.id}?tab=contacts">${label("all_contacts", { n: contacts.total })}</a>`;
  return html`<section class="card"><div class="cp-section-head"><h2>${label("tab_contacts")}</h2>${contacts.total ? more : nothing}</div>
    ${contacts.items.length
      ? html`<ul class="cp-people">${contacts.items.map((p) => html`<li><span class="cp-avatar" aria-hidden="true">${initials(p.full_name)}</span>
          <div><strong>${p.full_name}</strong><small>${p.position || ""}</small></div>
          <div class="reach">${p.phone ? html`<a href="tel:${p.phone.replace(/[^+\d]/g, "")}">${p.phone}</a>` : nothing}
            ${p.email ? html`<a href="mailto:${p.email}">${p.email}</a>` : nothing}</div></li>`)}</ul>`
      : html`<p class="muted">${label("no_contacts_short")}</p>`}
  </section>`;
}

function initials(name) {
  const words = name.trim().split(/\s+/);
  return (words.length > 1 ? words[words.length - 2][0] + words[words.length - 1][0] : words[0].slice(0, 2)).toUpperCase();
}

function recentCard(recent) {
  return html`<section class="card"><div class="cp-section-head"><h2>${label("recent")}</h2>
      ${recent.entries.length ? html`<a href="#/counterparties/${card.id}?tab=timeline">${label("whole_timeline")}</a>` : nothing}</div>
    ${recent.entries.length ? timelineList(recent) : html`<p class="muted">${label("no_timeline_short")}</p>`}
  </section>`;
}

export function viewDetails({ contacts, history, group, parent, recent }) {
  const c = card.counterparty;
  return html`<div class="split">
    <div class="stack">${facts(c)}${holdingCard(group, parent)}${peopleCard(contacts)}${recentCard(recent)}</div>
    <div class="stack">${completenessCard(c, contacts.total > 0)}${classificationCard(c, history)}</div>
  </div>`;
}
