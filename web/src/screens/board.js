// The pipeline board: a column per stage, a card per open deal; drag a card to move the deal.
// On a narrow screen one stage is shown at a time, chosen with the stage switcher above it.
import "./board.css";
import { ApiError, everything, get, post } from "../api.js";
import { date, money, percent, t } from "../i18n.js";
import { go } from "../router.js";
import { session } from "../session.js";
import { dialog, emptyState, html, loading, nothing, pageHeader, render, toast } from "../ui.js";
import {
  choiceFilters,
  choiceNames,
  choiceQuery,
  counterpartyNames,
  dealForm,
  initials,
  isOverdue,
  loseForm,
  userNames,
} from "./deals-shared.js";

const REMEMBERED = "crm.board.pipeline";

export async function show(root, params, query) {
  render(loading(), root);
  const pipelines = (await get("/pipelines", { page_size: 500 })).items;
  if (pipelines.length === 0) {
    const director = session.hasRole("director", "admin");
    const setUp = director
      ? html`<a class="setup-link" href="#/setup?tab=pipelines&pipeline=new">${t("board.set_up_pipeline")}</a>`
      : nothing;
    const hint = t(director ? "board.no_pipelines_hint" : "board.no_pipelines_ask");
    return render(html`${pageHeader(t("board.title"))}${emptyState(t("board.no_pipelines"), hint, setUp)}`, root);
  }
  const wanted = params.pipelineId || localStorage.getItem(REMEMBERED);
  const pipeline = pipelines.find((p) => p.id === wanted) || pipelines[0];
  localStorage.setItem(REMEMBERED, pipeline.id);
  const board = new Board(root, pipelines, pipeline, query);
  await board.load();
}

class Board {
  constructor(root, pipelines, pipeline, query) {
    this.root = root;
    this.pipelines = pipelines;
    this.pipeline = pipeline;
    this.mine = query.owner === "me";
    this.chosen = choiceQuery(query); // the deal choices filtered on, { campaign_id: ..., ... }
    this.stages = pipeline.stages.filter((s) => !s.archived).sort((a, b) => a.position - b.position);
    this.dragging = null;
    this.shown = this.stages[0]?.id; // the one stage a narrow screen shows
  }

  async load() {
    const filters = { pipeline_id: this.pipeline.id, status: "open", owner_id: this.mine ? session.me.id : undefined, ...this.chosen };
    const [deals, users, choices] = await Promise.all([everything("/deals", filters), userNames(), choiceNames()]);
    const names = await counterpartyNames(deals.map((d) => d.counterparty_id));
    this.deals = deals;
    this.names = { ...names, users, choices };
    const arrived = performance.now();
    this.draw();
    // Measured from the data's arrival to the first frame that shows it (reported by the browser test).
    requestAnimationFrame(() =>
      setTimeout(() => {
        this.root.querySelector(".board")?.setAttribute("data-render-ms", (performance.now() - arrived).toFixed(1));
      }),
    );
  }

  byStage() {
    const columns = Object.fromEntries(this.stages.map((s) => [s.id, []]));
    for (const deal of this.deals) columns[deal.stage_id]?.push(deal);
    // Soonest to close first; deals without a date at the bottom of their column.
    const key = (d) => d.expected_close_date || "9999";
    for (const list of Object.values(columns)) list.sort((a, b) => key(a).localeCompare(key(b)) || a.title.localeCompare(b.title));
    return columns;
  }

  async move(dealId, stageId) {
    const deal = this.deals.find((d) => d.id === dealId);
    if (!deal || deal.stage_id === stageId) return;
    const before = deal.stage_id;
    deal.stage_id = stageId; // shown at once, put back if the API refuses
    this.draw();
    try {
      Object.assign(deal, await post(`/deals/${dealId}/stage`, { stage_id: stageId }));
      toast(t("board.moved", { title: deal.title, stage: this.stageName(deal.stage_id) }));
    } catch (error) {
      deal.stage_id = before;
      toast(error instanceof ApiError ? error.message : t("common.failed"), "bad");
    }
    this.draw();
  }

  async close(dealId, outcome) {
    const deal = this.deals.find((d) => d.id === dealId);
    try {
      const closed =
        outcome === "won" ? await post(`/deals/${dealId}/win`) : await dialog(t("deal.lose_title"), await loseForm(deal));
      if (!closed) return;
      this.deals = this.deals.filter((d) => d.id !== dealId);
      toast(t(outcome === "won" ? "board.won" : "board.lost", { title: deal.title }));
      this.draw();
    } catch (error) {
      toast(error instanceof ApiError ? error.message : t("common.failed"), "bad");
    }
  }

  stageName(stageId) {
    return this.stages.find((s) => s.id === stageId)?.name || "";
  }

  async newDeal() {
    const form = dealForm({ pipelines: this.pipelines, pipelineId: this.pipeline.id, names: this.names });
    const created = await dialog(t("board.new_deal"), form);
    if (created) {
      toast(t("board.created", { title: created.title }));
      if (created.pipeline_id !== this.pipeline.id) return go(`/board/${created.pipeline_id}`);
      await this.load();
    }
  }

  drop(event, target) {
    event.preventDefault();
    const dealId = event.dataTransfer.getData("text/plain");
    this.dragging = null;
    this.root.querySelectorAll(".drop-over").forEach((el) => el.classList.remove("drop-over"));
    if (target === "won" || target === "lost") this.close(dealId, target);
    else this.move(dealId, target);
    this.draw();
  }

  dropZone(target) {
    return {
      over: (event) => {
        event.preventDefault();
        event.currentTarget.classList.add("drop-over");
      },
      leave: (event) => event.currentTarget.classList.remove("drop-over"),
      drop: (event) => this.drop(event, target),
    };
  }

  card(deal) {
    const owner = this.names.users[deal.owner_id] || "";
    const chance = deal.win_probability ?? deal.probability / 100;
    return html`<article class="deal-card" draggable=${session.canWrite ? "true" : "false"} data-deal=${deal.id}
      @dragstart=${(e) => { e.dataTransfer.setData("text/plain", deal.id); this.dragging = deal.id; setTimeout(() => this.draw()); }}
      @dragend=${() => { this.dragging = null; this.draw(); }}>
      <a class="deal-title" href="#/deals/${deal.id}">${deal.title}</a>
      <div class="deal-buyer">${this.names[deal.counterparty_id] || t("board.unknown_counterparty")}</div>
      <div class="deal-meta">
        <span class="amount">${money(deal.amount, deal.currency || "VND")}</span>
        <span class="chance" title=${t("board.chance_hint")}>${percent(chance)}</span>
      </div>
      <div class="deal-foot">
        <span class=${isOverdue(deal) ? "due overdue" : "due"}>${deal.expected_close_date ? date(deal.expected_close_date) : t("board.no_close_date")}</span>
        ${owner ? html`<span class="avatar" title=${owner}>${initials(owner)}</span>` : nothing}
      </div>
    </article>`;
  }

  showStage(stageId) {
    this.shown = stageId;
    this.draw();
  }

  stageSwitcher(columns) {
    const at = this.stages.findIndex((s) => s.id === this.shown);
    const step = (by) => () => this.showStage(this.stages[at + by].id);
    return html`<div class="stage-switcher">
      <button class="ghost icon" aria-label=${t("board.previous_stage")} ?disabled=${at <= 0} @click=${step(-1)}>‹</button>
      <select aria-label=${t("board.stage")} @change=${(e) => this.showStage(e.target.value)}>
        ${this.stages.map((s) => html`<option value=${s.id} .selected=${s.id === this.shown}
          >${t("board.stage_option", { stage: s.name, count: columns[s.id].length })}</option>`)}
      </select>
      <button class="ghost icon" aria-label=${t("board.next_stage")} ?disabled=${at >= this.stages.length - 1} @click=${step(1)}>›</button>
    </div>`;
  }

  column(stage, deals) {
    const total = deals.reduce((sum, d) => sum + Number(d.amount || 0), 0);
    const zone = this.dropZone(stage.id);
    return html`<section class="column ${stage.id === this.shown ? "shown" : ""}" data-stage=${stage.name} @dragover=${zone.over} @dragleave=${zone.leave} @drop=${zone.drop}>
      <header><h3>${stage.name}</h3><span class="stage-count">${deals.length}</span>
        <div class="column-sum">${money(total, "VND")} · ${stage.probability}%</div></header>
      <div class="cards-list">${deals.length ? deals.map((d) => this.card(d)) : html`<p class="column-empty">${t("board.column_empty")}</p>`}</div>
    </section>`;
  }

  outcomes() {
    if (!this.dragging) return nothing;
    const won = this.dropZone("won");
    const lost = this.dropZone("lost");
    return html`<div class="outcomes">
      <div class="outcome won" data-outcome="won" @dragover=${won.over} @dragleave=${won.leave} @drop=${won.drop}>${t("board.drop_won")}</div>
      <div class="outcome lost" data-outcome="lost" @dragover=${lost.over} @dragleave=${lost.leave} @drop=${lost.drop}>${t("board.drop_lost")}</div>
    </div>`;
  }

  // The board again with some of its filters changed.
  refilter(changed) {
    const { pipeline_id: pipelineId = this.pipeline.id, ...rest } = changed;
    go(`/board/${pipelineId}`, { owner: this.mine ? "me" : "", ...this.chosen, ...rest });
  }

  draw() {
    const columns = this.byStage();
    const open = this.deals.reduce((sum, d) => sum + Number(d.amount || 0), 0);
    const subtitle = t("board.summary", { count: this.deals.length, amount: money(open, "VND") });
    const actions = html`
      <select aria-label=${t("board.pipeline")} @change=${(e) => this.refilter({ pipeline_id: e.target.value })}>
        ${this.pipelines.map((p) => html`<option value=${p.id} ?selected=${p.id === this.pipeline.id}>${p.name}</option>`)}
      </select>
      <label class="toggle"><input type="checkbox" .checked=${this.mine}
        @change=${(e) => this.refilter({ owner: e.target.checked ? "me" : "" })} />${t("board.only_mine")}</label>
      ${choiceFilters(this.names.choices, this.chosen, (values) => this.refilter(values))}
      ${session.hasRole("director", "admin")
        ? html`<a class="setup-link" href="#/setup?tab=pipelines&pipeline=${this.pipeline.id}">${t("board.edit_pipeline")}</a>`
        : nothing}
      ${session.canWrite ? html`<button class="primary" @click=${() => this.newDeal()}>${t("board.new_deal")}</button>` : nothing}`;
    const mode = this.pipeline.mode === "business_process" ? t("board.mode_process") : t("board.mode_simple");
    render(
      html`${pageHeader(this.pipeline.name, html`${subtitle} · <span class="badge info">${mode}</span>`, actions)}
        ${this.deals.length === 0
          ? html`<div class="card">${emptyState(t("board.empty"), t("board.empty_hint"),
              session.canWrite ? html`<button class="primary" @click=${() => this.newDeal()}>${t("board.new_deal")}</button>` : nothing)}</div>`
          : nothing}
        ${this.stageSwitcher(columns)}
        <div class="board">${this.stages.map((s) => this.column(s, columns[s.id]))}</div>
        ${this.outcomes()}`,
      this.root,
    );
  }
}
