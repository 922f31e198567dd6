// What happened with the counterparty: the Timeline (and logging an interaction), the
// Correspondence from the connected mailboxes, and its Deals.
import { everything, get, post } from "../../api.js";
import { factText } from "../../facts.js";
import { date, dateTime, fromLocalInput, localInput, money, t } from "../../i18n.js";
import { session } from "../../session.js";
import { badge, emptyState, field, html, nothing, pager, toast } from "../../ui.js";
import { label } from "../counterparties.js";
import { card, formDialog, missing, nameOf, openTab, refresh, sectionHead } from "./card.js";
import { viewPlanned } from "./planned.js";

const DEAL_KINDS = new Set(["deal", "deal_stage", "deal_won", "deal_lost", "deal_reopened"]);
const DEAL_TONES = { open: "info", won: "good", lost: "bad" };
const PAGE_SIZE = 25;

// -- timeline --------------------------------------------------------------------------------

const ICONS = {
  call: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.4 1.8.7 2.7a2 2 0 0 1-.5 2.1L8 9.8a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.7.7a2 2 0 0 1 1.7 2z"/></svg>`,
  meeting: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2"/><circle cx="9" cy="7" r="4"/><path d="M22 21v-2a4 4 0 0 0-3-3.9M16 3.1a4 4 0 0 1 0 7.8"/></svg>`,
  note: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z"/><path d="M14 2v6h6M16 13H8M16 17H8"/></svg>`,
  mail: html`<svg viewBox="0 0 24 24" aria-hidden="true"><rect x="2" y="4" width="20" height="16" rx="2"/><path d="m22 7-10 6L2 7"/></svg>`,
  deal: html`<svg viewBox="0 0 24 24" aria-hidden="true"><rect x="2" y="7" width="20" height="14" rx="2"/><path d="M16 21V5a2 2 0 0 0-2-2h-4a2 2 0 0 0-2 2v16"/></svg>`,
  won: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M20 6 9 17l-5-5"/></svg>`,
  lost: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M18 6 6 18M6 6l12 12"/></svg>`,
  task: html`<svg viewBox="0 0 24 24" aria-hidden="true"><rect x="3" y="3" width="18" height="18" rx="2"/><path d="m9 12 2 2 4-4"/></svg>`,
  document: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 2v20l2-1 2 1 2-1 2 1 2-1 2 1 2-1 2 1V2l-2 1-2-1-2 1-2-1-2 1-2-1-2 1z"/><path d="M16 8H8M16 12H8"/></svg>`,
  file: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="m21.4 11.1-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5"/></svg>`,
  shipment: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M1 3h15v13H1zM16 8h4l3 3v5h-7z"/><circle cx="5.5" cy="18.5" r="2.5"/><circle cx="18.5" cy="18.5" r="2.5"/></svg>`,
};

function look(kind) {
  if (["call", "meeting", "note"].includes(kind)) return [kind, "accent"];
  if (kind.startsWith("mail")) return ["mail", "info"];
  if (kind === "deal_won") return ["won", "good"];
  if (kind === "deal_lost") return ["lost", "bad"];
  if (DEAL_KINDS.has(kind)) return ["deal", "accent"];
  if (kind.startsWith("task")) return ["task", "muted"];
  if (kind.startsWith("shipment")) return ["shipment", "warn"];
  if (kind.startsWith("file_")) return ["file", kind === "file_archived" ? "muted" : "info"];
  if (kind.startsWith("order") || kind.startsWith("invoice")) return ["document", "warn"];
  return ["note", "muted"];
}

function kindLabel(kind) {
  const key = `counterparties.kind_label_${kind}`;
  const text = t(key);
  return text === key ? nothing : text;
}

export async function loadTimeline(limit) {
  const reply = await get(`/counterparties/${card.id}/timeline`);
  return { entries: limit ? reply.items.slice(0, limit) : reply.items };
}

export function viewTimeline(timeline) {
  const log = card.counterparty.archived_at
    ? nothing
    : html`<button class="primary" @click=${logInteraction}>${label("log_interaction")}</button>`;
  const planned = viewPlanned(timeline.planned || []);
  if (timeline.entries.length === 0) {
    return html`${planned}<div class="card">${emptyState(label("no_timeline"), label("no_timeline_hint", { name: card.counterparty.name }), session.canWrite ? log : nothing)}</div>`;
  }
  return html`${sectionHead(label("tab_timeline"), log)}${planned}<div class="card">${timelineList(timeline)}</div>`;
}

// A deal's entry is its title, linked: the kind's label under it says what happened.
function entryTitle(entry) {
  if (!DEAL_KINDS.has(entry.kind)) return factText(entry);
  const text = entry.kind !== "deal_stage" && entry.params?.title ? entry.params.title : factText(entry);
  return html`<a href="#/deals/${entry.ref_id}">${text}</a>`;
}

export function timelineList({ entries }) {
  const now = Date.now();
  return html`<ol class="timeline cp-timeline">${entries.map((entry) => {
      const [icon, tone] = look(entry.kind);
      const planned = new Date(entry.at).getTime() > now;
      const title = entryTitle(entry);
      return html`<li class=${planned ? "planned" : ""}><span class="kind tone-${tone}">${ICONS[icon]}</span>
        <div><div class="title">${title}</div><small class="muted">${kindLabel(entry.kind)}</small>
          ${planned ? badge(label("planned"), "warn") : nothing}</div>
        <time datetime=${entry.at}>${dateTime(entry.at)}</time></li>`;
  })}</ol>`;
}

// -- interactions ----------------------------------------------------------------------------

export async function logInteraction() {
  const [contacts, deals] = await Promise.all([
    everything("/contacts", { counterparty_id: card.id }),
    everything("/deals", { counterparty_id: card.id, status: "open" }),
  ]);
  const body = ({ values: v, errors: e }) => html`<div class="form-grid">
      ${field({ label: label("interaction_kind"), name: "kind", value: v.kind, error: e.kind, required: true,
        options: ["call", "meeting", "note"].map((kind) => [kind, label(`kind_label_${kind}`)]) })}
      ${field({ label: label("when"), name: "when", value: v.when, required: true, options: [["done", label("when_done")], ["planned", label("when_planned")]] })}
    </div>
    ${field({ label: label("subject"), name: "subject", value: v.subject, error: e.subject, required: true })}
    ${field({ label: label("at"), name: "at", type: "datetime-local", value: v.at, error: e.done_at || e.planned_at, hint: label("at_hint") })}
    ${field({ label: label("body"), name: "body", type: "textarea", value: v.body, error: e.body })}
    <div class="form-grid">
      ${field({ label: label("contact"), name: "contact_id", value: v.contact_id, error: e.contact_id, options: contacts.map((p) => [p.id, p.full_name]) })}
      ${field({ label: label("deal"), name: "deal_id", value: v.deal_id, error: e.deal_id, options: deals.map((d) => [d.id, d.title]) })}
    </div>`;
  const save = ({ when, at, ...values }) => {
    const moment = at ? fromLocalInput(at).toISOString() : when === "done" ? new Date().toISOString() : undefined;
    return post("/interactions", { ...values, counterparty_id: card.id, [when === "planned" ? "planned_at" : "done_at"]: moment });
  };
  const initial = { kind: "call", when: "done", at: localInput() };
  const saved = await formDialog(label("log_title", { name: card.counterparty.name }), initial, body, save, label("log"));
  if (!saved) return;
  toast(label("interaction_logged"));
  if (card.tab === "timeline") await refresh();
  else openTab("timeline");
}

// -- correspondence --------------------------------------------------------------------------

export function viewCorrespondence(reply) {
  if (reply.total === 0) {
    return html`<div class="card">${emptyState(label("no_mail"), label("no_mail_hint", { name: card.counterparty.name }),
      html`<a class="cp-button-link" href="#/mail">${label("go_mail")}</a>`)}</div>`;
  }
  return html`<div class="table-wrap"><table class="cp-mail">
      <thead><tr><th></th><th>${label("mail_subject")}</th><th>${label("mail_from")}</th><th>${label("mail_date")}</th></tr></thead>
      <tbody>${reply.items.map(
        (m) => html`<tr>
          <td><span class="dir ${m.direction}" title=${label(`mail_${m.direction}`)}>${m.direction === "in" ? "↙" : "↗"}</span></td>
          <td><a class="subject" href="#/mail/${m.mailbox_id}?message=${m.id}">${m.subject || label("no_subject")}</a>
            <small class="snippet">${m.text.slice(0, 160)}</small></td>
          <td>${m.from_name || m.from_address}${m.from_name ? html`<small>${m.from_address}</small>` : nothing}</td>
          <td class="cp-nowrap">${dateTime(m.sent_at || m.created_at)}</td>
        </tr>`,
      )}</tbody>
    </table></div>
    ${pager(reply, (page) => openTab("correspondence", { page }))}`;
}

// -- deals -----------------------------------------------------------------------------------

export async function loadDeals() {
  const [deals, pipelines] = await Promise.all([
    everything("/deals", { counterparty_id: card.id }),
    everything("/pipelines").catch(() => []),
  ]);
  const stages = new Map(pipelines.flatMap((p) => p.stages.map((s) => [s.id, { stage: s.name, pipeline: p.name }])));
  return { deals, stages };
}

export function viewDeals({ deals, stages }) {
  if (deals.length === 0) {
    return html`<div class="card">${emptyState(label("no_deals"), label("no_deals_hint", { name: card.counterparty.name }),
      html`<a class="cp-button-link" href="#/board">${label("go_board")}</a>`)}</div>`;
  }
  const open = deals.filter((d) => d.status === "open");
  const currencies = new Set(open.map((d) => d.currency || "VND"));
  const total = open.reduce((sum, d) => sum + Number(d.amount || 0), 0);
  const summary = label("deals_summary", { n: deals.length, open: open.length });
  const worth = open.length && currencies.size === 1 ? label("open_worth", { amount: money(total, [...currencies][0]) }) : "";
  return html`${sectionHead(html`${summary}${worth ? html`<span class="muted"> · ${worth}</span>` : nothing}`)}
    <div class="table-wrap"><table>
      <thead><tr><th>${label("deal")}</th><th>${label("stage")}</th><th class="num">${label("amount")}</th>
        <th>${label("deal_status")}</th><th>${label("close_date")}</th><th>${label("owner")}</th></tr></thead>
      <tbody>${deals.map((d) => {
        const where = stages.get(d.stage_id);
        return html`<tr>
          <td><a href="#/deals/${d.id}">${d.title}</a></td>
          <td>${where ? html`${where.stage}<small class="muted cp-block">${where.pipeline}</small>` : missing}</td>
          <td class="num">${d.amount ? money(d.amount, d.currency || "VND") : missing}</td>
          <td>${badge(label(`deal_${d.status}`), DEAL_TONES[d.status])}</td>
          <td>${d.expected_close_date ? date(d.expected_close_date) : missing}</td>
          <td>${nameOf(d.owner_id) || missing}</td>
        </tr>`;
      })}</tbody>
    </table></div>`;
}

export const loadCorrespondence = () =>
  get(`/counterparties/${card.id}/correspondence`, { page: card.query.page || 1, page_size: PAGE_SIZE });
