// Campaigns: the list, a new one, and the responses of the one chosen (?campaign=<id>) — entered
// from a counterparty already known or from a new prospect — each turned into a deal in a pipeline
// (POST /campaign-responses/{id}/convert). A campaign is edited on the version read, archived when
// it is over and restored; a response entered by mistake is archived (the report no longer counts
// it) and restored.
import { ApiError, everything, patchVersion, post } from "../../api.js";
import { date, dateTime, money, t } from "../../i18n.js";
import { archivedBadge, archivedSwitch, archiveRecord, failureText, lc, restoreRecord } from "../../lifecycle.js";
import { session } from "../../session.js";
import { dialog, emptyState, field, formValues, html, nothing, problem, render, toast } from "../../ui.js";
import { counterpartyNames, counterpartyPicker, userNames } from "../deals-shared.js";

export const RESPONSE_KINDS = ["call", "form", "email", "visit", "event"];
const CURRENCIES = ["VND", "USD", "EUR"];

// A kind the UI knows is said in the user's language; another one (from the API) as it is.
function kindLabel(kind) {
  const key = `setup.response_kind_${kind}`;
  const label = t(key);
  return label === key ? kind : label;
}

export async function show(root, { query, alive, change }) {
  const showArchived = query.archived === "true";
  const [active, archived] = await Promise.all([
    everything("/campaigns"),
    showArchived ? everything("/campaigns", { archived: true }) : [],
  ]);
  if (!alive()) return;
  const campaigns = [...active, ...archived];
  const chosen = query.campaign ? campaigns.find((c) => c.id === query.campaign) : null;
  if (query.campaign && !chosen) return render(problem({ status: 404 }), root);
  const screen = new Campaigns(root, { campaigns, chosen, change, showArchived });
  await screen.load();
}

class Campaigns {
  constructor(root, { campaigns, chosen, change, showArchived }) {
    Object.assign(this, { root, campaigns, chosen, change, showArchived });
    this.responses = [];
    this.names = {};
  }

  async load() {
    if (this.chosen) {
      const path = `/campaigns/${this.chosen.id}/responses`;
      const [active, archived] = await Promise.all([
        everything(path),
        this.showArchived ? everything(path, { archived: true }) : [],
      ]);
      this.responses = [...active, ...archived];
      this.names = await counterpartyNames(this.responses.map((r) => r.counterparty_id));
    }
    this.draw();
  }

  async create() {
    const created = await dialog(t("setup.new_campaign"), campaignForm());
    if (!created) return;
    toast(t("setup.campaign_created", { name: created.name }));
    this.change({ campaign: created.id });
  }

  async edit(campaign) {
    const saved = await dialog(t("setup.edit_campaign"), campaignForm(campaign));
    if (!saved) return;
    toast(t("common.saved"));
    this.campaigns = this.campaigns.map((c) => (c.id === saved.id ? saved : c));
    if (this.chosen?.id === saved.id) this.chosen = saved;
    this.draw();
  }

  async archive(campaign) {
    const text = lc("archive_campaign_text", { name: campaign.name });
    if (await archiveRecord(`/campaigns/${campaign.id}`, campaign, { title: lc("archive_campaign_title"), text })) {
      this.change({ campaign: "" });
    }
  }

  async restore(campaign) {
    if (await restoreRecord(`/campaigns/${campaign.id}`)) this.change({ campaign: campaign.id, archived: "" });
  }

  async archiveResponse(response) {
    const text = lc("archive_response_text", { who: this.who(response) });
    if (await archiveRecord(`/campaign-responses/${response.id}`, response, { title: lc("archive_response_title"), text })) {
      await this.load();
    }
  }

  async restoreResponse(response) {
    if (await restoreRecord(`/campaign-responses/${response.id}`)) await this.load();
  }

  async respond() {
    const added = await dialog(t("setup.add_response_to", { name: this.chosen.name }), responseForm(this.chosen));
    if (!added) return;
    toast(t("setup.response_added"));
    await this.load();
  }

  async convert(response) {
    const [pipelines, users] = await Promise.all([everything("/pipelines"), userNames()]);
    const deal = await dialog(t("setup.convert_title"), convertForm(response, this.who(response), pipelines, users));
    if (!deal) return;
    toast(t("setup.converted", { title: deal.title }));
    await this.load();
  }

  who(response) {
    if (response.counterparty_id) return this.names[response.counterparty_id] || t("setup.unknown_counterparty");
    return response.prospect?.name || "—";
  }

  draw() {
    render(
      html`<div class="stack">
        ${this.listCard()}
        ${this.chosen ? this.responsesCard() : nothing}
      </div>`,
      this.root,
    );
  }

  listCard() {
    const period = (c) => (c.start_date || c.end_date ? `${date(c.start_date)} – ${date(c.end_date)}` : "—");
    return html`<section class="card campaigns">
      <div class="card-head"><h2>${t("setup.campaigns")}</h2>
        ${archivedSwitch(this.showArchived, (on) => this.change({ archived: on ? "true" : "" }))}
        <button class="primary" @click=${() => this.create()}>${t("setup.new_campaign")}</button></div>
      ${this.campaigns.length === 0
        ? emptyState(t("setup.no_campaigns"), t("setup.no_campaigns_hint"))
        : html`<div class="table-wrap flat"><table class="campaigns">
            <thead><tr><th>${t("setup.campaign_name")}</th><th>${t("setup.channel")}</th><th class="num">${t("setup.cost")}</th>
              <th>${t("setup.period")}</th><th></th></tr></thead>
            <tbody>${this.campaigns.map(
              (c) => html`<tr data-campaign=${c.name} class="${c.id === this.chosen?.id ? "chosen" : ""} ${c.archived_at ? "lc-archived" : ""}">
                <th scope="row"><a href="#/setup?tab=campaigns&campaign=${c.id}${this.showArchived ? "&archived=true" : ""}">${c.name}</a>
                  ${c.archived_at ? archivedBadge() : nothing}</th>
                <td>${c.channel || "—"}</td><td class="num">${c.cost ? money(c.cost, c.currency || "VND") : "—"}</td>
                <td>${period(c)}</td>
                <td class="row-actions">${!session.canWrite ? nothing : c.archived_at
                  ? html`<button class="ghost small" @click=${() => this.restore(c)}>${lc("restore")}</button>`
                  : html`<button class="ghost small" @click=${() => this.edit(c)}>${t("common.edit")}</button>
                      <button class="ghost small" @click=${() => this.archive(c)}>${lc("archive")}</button>`}</td></tr>`,
            )}</tbody></table></div>`}
    </section>`;
  }

  responsesCard() {
    const row = (r) => html`<tr data-response=${r.id} class=${r.archived_at ? "lc-archived" : ""}>
      <th scope="row" class="who">${r.counterparty_id
        ? html`<a href="#/counterparties/${r.counterparty_id}">${this.who(r)}</a>`
        : html`${this.who(r)}<small class="muted">${[r.prospect?.email, r.prospect?.phone].filter(Boolean).join(" · ") || t("setup.prospect")}</small>`}</th>
      <td class="kind">${kindLabel(r.kind)} ${r.archived_at ? archivedBadge() : nothing}</td>
      <td class="note">${r.note || ""}</td>
      <td>${dateTime(r.created_at)}</td>
      <td class="deal">${r.deal_id
        ? html`<a href="#/deals/${r.deal_id}">${t("setup.open_deal")}</a>`
        : !session.canWrite ? nothing : r.archived_at
          ? html`<button class="ghost small" @click=${() => this.restoreResponse(r)}>${lc("restore")}</button>`
          : html`<button class="small" @click=${() => this.convert(r)}>${t("setup.convert")}</button>
              <button class="ghost small" @click=${() => this.archiveResponse(r)}>${lc("archive")}</button>`}</td>
    </tr>`;
    return html`<section class="card campaign-responses">
      <div class="card-head"><h2>${t("setup.responses_of", { name: this.chosen.name })}</h2>
        ${this.chosen.archived_at ? nothing : html`<button class="primary" @click=${() => this.respond()}>${t("setup.add_response")}</button>`}</div>
      <p class="muted small">${t("setup.responses_hint")}</p>
      ${this.responses.length === 0
        ? emptyState(t("setup.no_responses"), t("setup.no_responses_hint"))
        : html`<div class="table-wrap flat"><table class="responses">
            <thead><tr><th>${t("setup.from")}</th><th>${t("setup.response_kind")}</th><th>${t("setup.note")}</th>
              <th>${t("setup.received")}</th><th>${t("setup.deal")}</th></tr></thead>
            <tbody>${this.responses.map(row)}</tbody></table></div>`}
    </section>`;
  }
}

// The errors the form does not show next to a field, said above its buttons.
function general(errors, shown) {
  const others = Object.entries(errors).filter(([key]) => !shown.includes(key));
  return others.length ? html`<div class="alert" role="alert">${others.map(([, message]) => html`<div>${message}</div>`)}</div>` : nothing;
}

function failed(error, state, redraw) {
  if (!(error instanceof ApiError)) throw error;
  state.errors = Object.keys(error.fields).length ? error.fields : { "": error.message };
  redraw();
}

// A new campaign (POST), or the one given changed (PATCH of the fields changed, on its version).
function campaignForm(campaign = null) {
  const state = { errors: {} };
  const shown = ["name", "channel", "cost", "currency", "start_date", "end_date"];
  const v = campaign || { currency: "VND" };
  return (close, redraw) => {
    async function submit(event) {
      event.preventDefault();
      const values = formValues(event.target);
      try {
        if (!campaign) return close(await post("/campaigns", values));
        const changed = Object.fromEntries(
          shown.filter((name) => (values[name] ?? null) !== (v[name] ?? null)).map((name) => [name, values[name] ?? null]),
        );
        close(await patchVersion(`/campaigns/${campaign.id}`, changed, campaign.version));
      } catch (error) {
        if (error instanceof ApiError && (error.status === 412 || error.status === 409)) {
          state.errors = { "": failureText(error) };
          return redraw();
        }
        failed(error, state, redraw);
      }
    }
    const e = state.errors;
    return html`<form class="campaign-form" novalidate @submit=${submit}>
      ${field({ label: t("setup.campaign_name"), name: "name", value: v.name || "", error: e.name, required: true })}
      <div class="form-grid">
        ${field({ label: t("setup.channel"), name: "channel", value: v.channel || "", error: e.channel, hint: t("setup.channel_hint") })}
        ${field({ label: t("setup.cost"), name: "cost", value: v.cost || "", error: e.cost, type: "number", attrs: { min: 0, step: "0.01" } })}
        ${field({ label: t("setup.currency"), name: "currency", value: v.currency || "VND", error: e.currency, required: true,
            options: CURRENCIES.map((c) => [c, c]) })}
        ${field({ label: t("setup.start_date"), name: "start_date", value: v.start_date || "", error: e.start_date, type: "date" })}
        ${field({ label: t("setup.end_date"), name: "end_date", value: v.end_date || "", error: e.end_date, type: "date" })}
      </div>
      ${general(e, shown)}
      <div class="form-actions"><button type="button" class="ghost" @click=${() => close(null)}>${t("common.cancel")}</button>
        <button class="primary" type="submit">${campaign ? t("common.save") : t("setup.create_campaign")}</button></div>
    </form>`;
  };
}

// A response from a counterparty already known (picked by name) or from a new prospect.
function responseForm(campaign) {
  const state = { errors: {}, from: "prospect", picked: null, matches: [] };
  const shown = ["counterparty_id", "prospect.name", "prospect.email", "prospect.phone", "kind", "note"];
  return (close, redraw) => {
    async function submit(event) {
      event.preventDefault();
      const values = formValues(event.target);
      const body = { kind: values.kind, note: values.note };
      if (state.from === "counterparty") body.counterparty_id = values.counterparty_id;
      else body.prospect = { name: values["prospect.name"], email: values["prospect.email"], phone: values["prospect.phone"] };
      try {
        close(await post(`/campaigns/${campaign.id}/responses`, body));
      } catch (error) {
        failed(error, state, redraw);
      }
    }
    const e = state.errors;
    const choose = (from) => () => {
      state.from = from;
      state.errors = {};
      redraw();
    };
    return html`<form class="response-form" novalidate @submit=${submit}>
      <fieldset class="choice"><legend>${t("setup.response_from")}</legend>
        <label><input type="radio" name="from" value="prospect" .checked=${state.from === "prospect"} @change=${choose("prospect")} />
          ${t("setup.from_prospect")}</label>
        <label><input type="radio" name="from" value="counterparty" .checked=${state.from === "counterparty"} @change=${choose("counterparty")} />
          ${t("setup.from_counterparty")}</label>
      </fieldset>
      ${state.from === "counterparty"
        ? counterpartyPicker(state, redraw, e.counterparty_id)
        : html`<div class="form-grid">
            ${field({ label: t("setup.prospect_name"), name: "prospect.name", error: e["prospect.name"], required: true })}
            ${field({ label: t("setup.email"), name: "prospect.email", type: "email", error: e["prospect.email"] })}
            ${field({ label: t("setup.phone"), name: "prospect.phone", type: "tel", error: e["prospect.phone"] })}
          </div>`}
      ${field({ label: t("setup.response_kind"), name: "kind", value: "call", error: e.kind, required: true,
          options: RESPONSE_KINDS.map((kind) => [kind, kindLabel(kind)]) })}
      ${field({ label: t("setup.note"), name: "note", type: "textarea", error: e.note })}
      ${general(e, shown)}
      <div class="form-actions"><button type="button" class="ghost" @click=${() => close(null)}>${t("common.cancel")}</button>
        <button class="primary" type="submit">${t("setup.save_response")}</button></div>
    </form>`;
  };
}

// The deal a response becomes: in which pipeline, under which title (the API's own when left
// empty: "<campaign>: <prospect or kind>") and whose.
function convertForm(response, who, pipelines, users) {
  const state = { errors: {} };
  const shown = ["pipeline_id", "title", "owner_id"];
  return (close, redraw) => {
    async function submit(event) {
      event.preventDefault();
      try {
        close(await post(`/campaign-responses/${response.id}/convert`, formValues(event.target)));
      } catch (error) {
        failed(error, state, redraw);
      }
    }
    const e = state.errors;
    return html`<form class="convert-form" novalidate @submit=${submit}>
      <p class="muted">${t(response.counterparty_id ? "setup.convert_hint" : "setup.convert_prospect_hint", { name: who })}</p>
      ${field({ label: t("setup.convert_pipeline"), name: "pipeline_id", value: pipelines[0]?.id, error: e.pipeline_id, required: true,
          options: pipelines.map((p) => [p.id, p.name]) })}
      ${field({ label: t("setup.deal_title"), name: "title", error: e.title, hint: t("setup.deal_title_hint") })}
      ${field({ label: t("setup.deal_owner_field"), name: "owner_id", value: session.me.id, error: e.owner_id, required: true,
          options: Object.entries(users) })}
      ${general(e, shown)}
      <div class="form-actions"><button type="button" class="ghost" @click=${() => close(null)}>${t("common.cancel")}</button>
        <button class="primary" type="submit">${t("setup.convert")}</button></div>
    </form>`;
  };
}
