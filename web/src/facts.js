// A fact said in the reader's language: timeline entries and notifications come as a kind and
// its parameters (which deal, which stage, the amount, the due date); the sentence is made here
// from locales/<lang>/facts.json. Entries stored before facts existed carry none: their English
// title is all there is.
import { date, dateTime, money, t } from "./i18n.js";

const ERP_KINDS = new Set(["order", "invoice", "shipment"]);

function factKey({ kind, params }) {
  if (kind === "deal_stage" && params.automatic === "true") return "facts.deal_stage_automatic";
  if (ERP_KINDS.has(kind)) {
    const change = params.change === "updated" ? "_updated" : "";
    return `facts.${kind}${change}${params.amount ? "_amount" : ""}`;
  }
  if (["invoice_paid", "invoice_overdue"].includes(kind) && params.amount) return `facts.${kind}_amount`;
  if (kind === "mail_assigned" && !params.due_date) return "facts.mail_assigned_undated";
  return `facts.${kind}`;
}

function shown(params) {
  const values = { ...params };
  if (params.amount) values.amount = money(params.amount, params.currency);
  if (params.due_date) values.due_date = date(params.due_date);
  if (params.at) values.at = dateTime(params.at);
  if (params.kind) values.kind = t(`facts.interaction_${params.kind}`);
  return values;
}

export function factText(fact) {
  const params = fact.params || {};
  if (Object.keys(params).length === 0) return fact.title;
  const key = factKey({ kind: fact.kind, params });
  const text = t(key, shown(params));
  return text === key ? fact.title : text;
}
