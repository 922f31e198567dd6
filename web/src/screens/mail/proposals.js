// Contacts proposed from mail (#/mail/proposals): the people the messages name (senders,
// recipients, the vCards attached) who are not in contacts yet, the most written to first; of one
// mailbox (?mailbox_id=), of every mailbox one may read, or of one counterparty's company
// (?counterparty_id=). A writer adds one to a counterparty (the one of its company, when found)
// or as a new counterparty, or dismisses it.
import "../reports.css";
import { ApiError, everything, get, post } from "../../api.js";
import { number, t } from "../../i18n.js";
import { session } from "../../session.js";
import { badge, emptyState, field, html, loading, nothing, pageHeader, render, toast } from "../../ui.js";
import { counterpartyPicker } from "../deals-shared.js";
import { formDialog } from "./dialogs.js";

const ROLES = ["customer", "supplier", "partner", "contractor", "competitor", "influencer"];

export async function show(root, params, query) {
  render(loading(), root);
  const [boxes, wanted] = await Promise.all([
    query.mailbox_id ? get(`/mailboxes/${query.mailbox_id}`).then((box) => [box]) : everything("/mailboxes"),
    query.counterparty_id ? get(`/counterparties/${query.counterparty_id}`) : null,
  ]);
  const found = (await Promise.all(boxes.map(proposalsOf))).flat().sort((a, b) => b.messages - a.messages);
  const companies = await companiesOf(found);
  const partyOf = (proposal) => companies.get(proposal.company) || null;
  const shown = wanted ? found.filter((proposal) => partyOf(proposal)?.id === wanted.id) : found;
  if (!root.isConnected) return;
  const view = { boxes, wanted, partyOf: wanted ? () => wanted : partyOf, reload: () => show(root, params, query) };
  render(
    html`<div class="proposals-screen">
      ${heading(view, query)}
      <div class="card">${shown.length ? proposalTable(shown, view) : empty(view)}</div>
    </div>`,
    root,
  );
}

// A mailbox one may see but not read has no proposals for the reader.
function proposalsOf(box) {
  return post(`/mailboxes/${box.id}/import-contacts`).then(
    (page) => page.items.map((proposal) => ({ ...proposal, mailbox: box })),
    (error) => {
      if (error instanceof ApiError && [403, 404].includes(error.status)) return [];
      throw error;
    },
  );
}

// The counterparty each proposal's company (its vCard's organisation, or its company's mail
// domain) names, when contacts know one; searched once per company.
async function companiesOf(proposals) {
  const names = [...new Set(proposals.map((p) => p.company).filter(Boolean))];
  const found = await Promise.all(names.map((q) => get("/counterparties", { q, page_size: 1 }).then((reply) => reply.items[0] || null)));
  return new Map(names.map((name, i) => [name, found[i]]));
}

function heading({ boxes, wanted }, query) {
  const go = (hash) => () => (window.location.hash = hash);
  if (wanted) {
    return pageHeader(
      t("reports.proposals_title"),
      t("reports.proposals_of_counterparty", { name: wanted.name }),
      html`<button class="ghost" @click=${go(`#/counterparties/${wanted.id}?tab=contacts`)}>← ${wanted.name}</button>`,
    );
  }
  if (query.mailbox_id) {
    const [box] = boxes;
    return pageHeader(
      t("reports.proposals_title"),
      t("reports.proposals_subtitle", { mailbox: box.name, address: box.address }),
      html`<button class="ghost" @click=${go("#/mail/proposals")}>${t("reports.every_mailbox")}</button>
        <button class="ghost" @click=${go(`#/mail/${box.id}`)}>← ${t("reports.back_to_mailbox")}</button>`,
    );
  }
  return pageHeader(t("reports.proposals_title"), t("reports.proposals_every_mailbox"),
    html`<button class="ghost" @click=${go("#/mail")}>← ${t("reports.back_to_mail")}</button>`);
}

function empty({ wanted }) {
  if (wanted) return emptyState(t("reports.proposals_none_of", { name: wanted.name }), t("reports.proposals_empty_hint"));
  return emptyState(t("reports.proposals_empty"), t("reports.proposals_empty_hint"));
}

function proposalTable(proposals, view) {
  const boxes = view.boxes.length > 1;
  return html`<div class="table-wrap flat"><table class="proposals">
    <thead><tr>
      <th>${t("reports.person")}</th>
      <th>${t("reports.company")}</th>
      <th>${t("reports.phone")}</th>
      <th>${t("reports.found_in")}</th>
      ${boxes ? html`<th>${t("reports.mailbox")}</th>` : nothing}
      <th class="num">${t("reports.messages")}</th>
      <th>${t("reports.counterparty")}</th>
      ${session.canWrite ? html`<th></th>` : nothing}
    </tr></thead>
    <tbody>${proposals.map((proposal) => {
      const party = view.partyOf(proposal);
      return html`<tr data-email=${proposal.email}>
        <td class="person"><strong>${proposal.name}</strong><small class="rp-party">${proposal.email}</small></td>
        <td>${proposal.company || html`<span class="muted">—</span>`}</td>
        <td>${proposal.phone || html`<span class="muted">—</span>`}</td>
        <td>${badge(t(`reports.source_${proposal.source}`), proposal.source === "vcard" ? "info" : "")}</td>
        ${boxes ? html`<td><a href="#/mail/${proposal.mailbox.id}">${proposal.mailbox.name}</a></td>` : nothing}
        <td class="num">${number(proposal.messages)}</td>
        <td class="party">${party ? html`<a href="#/counterparties/${party.id}">${party.name}</a>` : html`<span class="muted">${t("reports.no_counterparty")}</span>`}</td>
        ${session.canWrite ? html`<td class="actions">
          <button class="primary small" @click=${() => accept(proposal, party, view.reload)}>${t("reports.add_contact")}</button>
          <button class="ghost small" @click=${(event) => dismiss(proposal, event.currentTarget, view.reload)}>${t("reports.dismiss")}</button>
        </td>` : nothing}
      </tr>`;
    })}</tbody>
  </table></div>`;
}

async function accept(proposal, party, reload) {
  const accepted = await acceptDialog(proposal, party);
  if (!accepted) return;
  toast(t("reports.contact_added", { name: proposal.name }));
  await reload();
}

async function dismiss(proposal, button, reload) {
  button.disabled = true;
  try {
    await post(`/mail/proposals/${proposal.id}/dismiss`);
    toast(t("reports.dismissed", { name: proposal.name }));
    await reload();
  } catch (error) {
    button.disabled = false;
    toast(error.message || t("common.failed"), "bad");
  }
}

const unpicked = () => new ApiError(422, { errors: [{ field: "counterparty_id", message: t("reports.pick_counterparty") }] });

// Into a counterparty contacts know (the company's, when found), or a new one with a role.
function acceptDialog(proposal, party) {
  const state = { picked: party, matches: [], into: party ? "existing" : "new" };
  const choose = (into, redraw) => {
    state.into = into;
    redraw();
  };
  return formDialog(t("reports.add_title", { name: proposal.name }), {
    className: "accept-form",
    submitLabel: t("reports.add_contact"),
    send: async (values) => {
      if (state.into === "new") return post(`/mail/proposals/${proposal.id}/accept`, { role: values.role });
      if (!values.counterparty_id) throw unpicked();
      return post(`/mail/proposals/${proposal.id}/accept`, { counterparty_id: values.counterparty_id });
    },
    fields: (values, errors, redraw) => html`<p class="muted">${proposal.email}${proposal.phone ? ` · ${proposal.phone}` : ""}</p>
      <div class="rp-choice">
        <label><input type="radio" name="into" value="existing" .checked=${state.into === "existing"}
          @change=${() => choose("existing", redraw)} /> ${t("reports.into_existing")}</label>
        ${state.into === "existing" ? counterpartyPicker(state, redraw, errors.counterparty_id) : nothing}
        <label><input type="radio" name="into" value="new" .checked=${state.into === "new"}
          @change=${() => choose("new", redraw)} /> ${t("reports.into_new", { name: proposal.company || proposal.name })}</label>
        ${state.into === "new"
          ? field({ label: t("reports.role"), name: "role", value: values?.role || "customer", required: true, error: errors.role,
              options: ROLES.map((role) => [role, t(`counterparties.role_${role}`)]) })
          : nothing}
      </div>`,
  });
}
