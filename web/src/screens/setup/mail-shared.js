// What the mail tabs of Setup share: their labels, the events a sending rule may wait for, the
// API's field messages by the form's field names, and a list whose archived records join it on demand.
import { ApiError, everything } from "../../api.js";
import { t } from "../../i18n.js";
import { html, nothing } from "../../ui.js";

export const m = (key, params) => t(`mailsetup.${key}`, params);

// The events the mail service acts on that a director would name (any deals.* type also works).
export const RULE_EVENTS = [
  "contact.birthday",
  "deals.invoice.overdue",
  "deals.invoice.posted",
  "deals.invoice.paid",
  "deals.deal.created",
  "deals.deal.won",
  "deals.deal.lost",
  "deals.order.posted",
  "deals.shipment.posted",
];

// An event the UI knows is said in the user's language; another one as the API has it.
export function eventLabel(event) {
  const key = `mailsetup.event_${event.replaceAll(".", "_")}`;
  const label = t(key);
  return label === key ? event : label;
}

// The API's messages by field; "imap.port" stays itself, a list's element ("members.3") names the list.
export function fieldErrors(error) {
  if (!(error instanceof ApiError)) throw error;
  const errors = {};
  for (const [name, message] of Object.entries(error.fields)) {
    const key = name.replace(/\.\d+$/, "");
    errors[key] = errors[key] || message;
  }
  return Object.keys(errors).length ? errors : { "": error.message };
}

// The messages of fields a form does not show, said above its buttons.
export function otherErrors(errors, shown) {
  const others = Object.entries(errors).filter(([key]) => !shown.includes(key));
  return others.length
    ? html`<div class="alert" role="alert">${others.map(([key, message]) => html`<div>${key ? html`<code>${key}</code>: ` : nothing}${message}</div>`)}</div>`
    : nothing;
}

// The records at `path`, with the archived ones after them when asked.
export async function listed(path, showArchived = false) {
  const [active, archived] = await Promise.all([everything(path), showArchived ? everything(path, { archived: "true" }) : []]);
  return [...active, ...archived];
}

// { id: name } of records, for the selects and the tables that name them.
export const namesOf = (records) => Object.fromEntries(records.map((record) => [record.id, record.name]));
