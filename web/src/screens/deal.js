// A deal's card: stage path, facts, tasks, environment, documents, files, timeline and its chance
// of winning.
import "./board.css";
import "./deal.css";
import { live } from "lit-html/directives/live.js";
import { ApiError, get, post, saveFile } from "../api.js";
import { auditView, loadAudit } from "../audit.js";
import { calendarDay, date, dateTime, money, number, percent, t } from "../i18n.js";
import { session } from "../session.js";
import { archivedBanner, archivedSwitch, archiveRecord, lc, restoreRecord } from "../lifecycle.js";
import { go } from "../router.js";
import { badge, dialog, emptyState, field, formValues, html, loading, nothing, pageHeader, render, tabs, toast } from "../ui.js";
import { Threads, taskActions } from "./task-actions.js";
import { DEAL_CHOICES, choiceNames, counterpartyNames, dealForm, isOverdue, loseForm, userNames } from "./deals-shared.js";
import { factText } from "../facts.js";
import { FilesSection, fileSize } from "../files.js";

const STATUS_TONE = { open: "info", won: "good", lost: "bad" };
const KIND_ICON = {
  deal: "◆", deal_stage: "➜", deal_won: "★", deal_lost: "✕", task: "☐", task_done: "✓", call: "☎", meeting: "◎", note: "✎",
  mail_in: "✉", mail_out: "✉", invoice: "₫", order: "▤", shipment: "⇪", document: "▣",
  file_attached: "📎", file_archived: "🗄", file_restored: "📎",
};

const TABS = ["card", "history"];

export async function show(root, params, query = {}) {
  render(loading(), root);
  const card = new DealCard(root, params.id, query);
  await card.load();
}

class DealCard {
  constructor(root, id, query) {
    this.root = root;
    this.id = id;
    this.tab = TABS.includes(query.tab) ? query.tab : "card";
    this.showArchived = query.archived === "true";
    this.threads = new Threads(() => this.draw());
    // A file attached or archived joins the timeline: it is read again with the files.
    this.files = new FilesSection(`/deals/${id}`, async () => {
      this.timeline = (await get(`/deals/${this.id}/timeline`)).items;
      this.draw();
    });
  }

  address(changes) {
    const query = { tab: this.tab === "card" ? "" : this.tab, archived: this.showArchived ? "true" : "", ...changes };
    go(`/deals/${this.id}`, query);
  }

  async load() {
    const deal = await get(`/deals/${this.id}`);
    const [pipeline, users, tasks, participants, timeline, history, chance, reasons, choices] = await Promise.all([
      get(`/pipelines/${deal.pipeline_id}`),
      userNames(),
      // The archived ones are a list of their own: with the switch on, both.
      Promise.all([
        get("/tasks", { deal_id: deal.id, page_size: 500 }),
        this.showArchived ? get("/tasks", { deal_id: deal.id, page_size: 500, archived: true }) : { items: [] },
      ]).then(([active, archived]) => ({ items: [...active.items, ...archived.items] })),
      get(`/deals/${deal.id}/participants`, { page_size: 500 }),
      get(`/deals/${deal.id}/timeline`),
      get(`/deals/${deal.id}/stage-history`),
      get(`/deals/${deal.id}/win-probability`).catch(() => null),
      get("/lost-reasons", { page_size: 500 }),
      choiceNames(),
    ]);
    const [documents, , invoices, orders] = await Promise.all([
      get(`/pipelines/${deal.pipeline_id}/documents`, { page_size: 500 }),
      this.files.load(),
      get("/invoices", { deal_id: deal.id, page_size: 500 }),
      get("/orders", { deal_id: deal.id, page_size: 500 }),
    ]);
    const ids = [deal.counterparty_id, deal.lost_to_competitor_id, ...participants.items.map((p) => p.counterparty_id)];
    this.names = { ...(await counterpartyNames(ids)), users, choices };
    Object.assign(this, { deal, pipeline, tasks: tasks.items, participants: participants.items, timeline: timeline.items });
    Object.assign(this, { history: history.items, chance, documents: documents.items, invoices: invoices.items, orders: orders.items });
    this.reasons = Object.fromEntries(reasons.items.map((r) => [r.id, r.name]));
    this.audit = this.tab === "history" ? await loadAudit("deal", deal.id, { users: new Map(Object.entries(users)) }) : null;
    this.draw();
  }

  async act(request, message) {
    try {
      const result = await request();
      if (result === null) return;
      if (message) toast(message);
      await this.load();
    } catch (error) {
      toast(error instanceof ApiError ? error.message : t("common.failed"), "bad");
    }
  }

  stagePath() {
    const stages = this.pipeline.stages.filter((s) => !s.archived).sort((a, b) => a.position - b.position);
    const at = stages.findIndex((s) => s.id === this.deal.stage_id);
    const movable = this.deal.status === "open" && !this.deal.archived_at && session.canWrite;
    return html`<ol class="stage-path">${stages.map(
      (s, i) => html`<li class=${i < at ? "passed" : i === at ? "current" : ""}>
        <button ?disabled=${!movable || i === at} title=${t("deal.move_to", { stage: s.name })}
          @click=${() => this.act(() => post(`/deals/${this.deal.id}/stage`, { stage_id: s.id }), t("deal.moved", { stage: s.name }))}>
          ${s.name}</button></li>`,
    )}</ol>`;
  }

  facts() {
    const d = this.deal;
    const row = (label, value) => html`<dt>${label}</dt><dd>${value}</dd>`;
    return html`<div class="card"><h2>${t("deal.facts")}</h2><dl class="facts">
      ${row(t("deal.counterparty"), html`<a href="#/counterparties/${d.counterparty_id}">${this.names[d.counterparty_id] || "—"}</a>`)}
      ${row(t("deal.amount"), html`<strong>${money(d.amount, d.currency || "VND")}</strong>`)}
      ${row(t("deal.expected_close_date"), html`<span class=${isOverdue(d) ? "overdue" : ""}>${date(d.expected_close_date)}</span>`)}
      ${row(t("deal.owner"), this.names.users[d.owner_id] || "—")}
      ${DEAL_CHOICES.map((choice) => row(t(choice.label), this.names.choices[choice.field][d[choice.field]] || "—"))}
      ${row(t("deal.probability"), html`${d.probability}% <small class="muted">${d.probability_manual ? t("deal.set_by_hand") : t("deal.from_stage")}</small>`)}
      ${row(t("deal.created"), dateTime(d.created_at))}
      ${d.closed_at ? row(t("deal.closed"), dateTime(d.closed_at)) : nothing}
      ${d.lost_reason_id ? row(t("deal.lost_reason"), this.reasons[d.lost_reason_id] || "—") : nothing}
      ${d.lost_to_competitor_id ? row(t("deal.competitor"), this.names[d.lost_to_competitor_id] || "—") : nothing}
      ${d.lost_comment ? row(t("deal.comment"), d.lost_comment) : nothing}
    </dl></div>`;
  }

  checklist() {
    const current = this.tasks.filter((task) => task.stage_id === this.deal.stage_id || task.status === "open");
    const others = this.tasks.filter((task) => !current.includes(task));
    const users = this.names.users;
    // The box is checked against the live one: a row drawn again for another task (the next
    // stage's, after the last one was ticked) must not keep the tick the user gave the old one.
    const item = (task) => html`<li class="${task.status} ${task.archived_at ? "archived" : ""}" data-task=${task.id}>
      <label><input type="checkbox" .checked=${live(task.status === "done")} ?disabled=${task.status === "done" || task.archived_at || !session.canWrite}
        @change=${() => this.act(() => post(`/tasks/${task.id}/complete`), t("deal.task_done", { title: task.title }))} />
        <span>${task.title}</span></label>
      <small class=${task.status === "open" && task.due_date < calendarDay() ? "overdue" : "muted"}>
        ${date(task.due_date)} · ${users[task.assignee_id] || ""}</small>
      ${task.note ? html`<p class="muted small task-note">${task.note}</p>` : nothing}
      ${taskActions(task, { users, threads: this.threads, after: () => this.load() })}
      ${this.threads.view(task, users)}</li>`;
    const hint = this.pipeline.mode === "business_process" ? t("deal.tasks_process_hint") : t("deal.tasks_simple_hint");
    return html`<div class="card deal-tasks"><div class="card-head"><h2>${t("deal.tasks")}</h2>
      ${archivedSwitch(this.showArchived, (on) => this.address({ archived: on ? "true" : "" }))}</div>
      ${this.tasks.length === 0 ? emptyState(t("deal.no_tasks"), hint)
        : html`<p class="muted small">${hint}</p><ul class="checklist">${current.map(item)}${others.map(item)}</ul>`}
    </div>`;
  }

  environment() {
    const add = async () => {
      const created = await dialog(t("deal.add_participant"), participantForm(this.deal));
      if (created) await this.load();
    };
    return html`<div class="card"><div class="card-head"><h2>${t("deal.environment")}</h2>
      ${session.canWrite ? html`<button class="small" @click=${add}>${t("deal.add_participant")}</button>` : nothing}</div>
      ${this.participants.length === 0 ? emptyState(t("deal.no_participants"), t("deal.no_participants_hint"))
        : html`<table><thead><tr><th>${t("deal.participant")}</th><th>${t("deal.role")}</th><th class="num">${t("deal.influence")}</th><th>${t("deal.attitude")}</th></tr></thead>
          <tbody>${this.participants.map((p) => html`<tr><td><a href="#/counterparties/${p.counterparty_id}">${this.names[p.counterparty_id] || "—"}</a></td>
            <td>${t(`deal.role_${p.role}`)}</td><td class="num">${p.influence}</td>
            <td>${badge(t(`deal.attitude_${p.attitude}`), { positive: "good", negative: "bad" }[p.attitude] || "")}</td></tr>`)}</tbody></table>`}
    </div>`;
  }

  paperwork() {
    const docs = this.documents;
    const erp = [...this.orders.map((o) => ({ ...o, kind: "order" })), ...this.invoices.map((i) => ({ ...i, kind: "invoice" }))];
    const total = (doc) => doc.lines.reduce((sum, line) => sum + Number(line.revenue ?? Number(line.quantity) * Number(line.price || 0)), 0);
    return html`<div class="card"><h2>${t("deal.documents")}</h2>
      ${docs.length + erp.length === 0 ? emptyState(t("deal.no_documents"), t("deal.no_documents_hint")) : nothing}
      ${erp.length ? html`<table><thead><tr><th>${t("deal.document")}</th><th>${t("deal.date")}</th><th>${t("deal.doc_status")}</th><th class="num">${t("deal.amount")}</th></tr></thead>
        <tbody>${erp.map((doc) => html`<tr><td>${t(`deal.kind_${doc.kind}`)} ${doc.number}</td><td>${date(doc.date)}</td>
          <td>${doc.kind === "invoice" ? (doc.paid_at ? badge(t("deal.paid"), "good") : badge(t("deal.unpaid"), "warn")) : badge(t(`deal.order_${doc.status}`))}</td>
          <td class="num">${money(total(doc), doc.currency || "VND")}</td></tr>`)}</tbody></table>` : nothing}
      ${docs.length ? html`<h4>${t("deal.process_documents")}</h4><ul class="doc-list">${docs.map(
        (doc) => html`<li><button class="ghost small" @click=${() => this.open(doc)}>▣ ${doc.title}</button>
          <small class="muted">${t(`deal.doc_${doc.kind}`)} · ${fileSize(doc.size)}</small></li>`,
      )}</ul>` : nothing}
    </div>`;
  }

  async open(doc) {
    try {
      await saveFile(`/documents/${doc.id}/content`, {}, doc.filename);
    } catch (error) {
      toast(error instanceof ApiError ? error.message : t("common.failed"), "bad");
    }
  }

  timelineCard() {
    return html`<div class="card"><h2>${t("deal.timeline")}</h2>
      ${this.timeline.length === 0 ? emptyState(t("deal.no_events"), t("deal.no_events_hint"))
        : html`<ul class="timeline">${this.timeline.map((e) => html`<li><span class="kind" title=${e.kind}>${KIND_ICON[e.kind] || "•"}</span>
          <span>${factText(e)}</span><time>${dateTime(e.at)}</time></li>`)}</ul>`}
    </div>`;
  }

  chanceCard() {
    const c = this.chance;
    if (!c) return html`<div class="card"><h2>${t("deal.win_chance")}</h2>${emptyState(t("deal.no_chance"), t("deal.no_chance_hint"))}</div>`;
    const widest = Math.max(0.01, ...c.factors.map((f) => Math.abs(f.effect)));
    return html`<div class="card chance-card"><h2>${t("deal.win_chance")}</h2>
      <div class="big-number">${percent(c.probability)}</div>
      <p class="muted small">${t(`deal.answered_by_${c.answered_by}`, { version: c.model_version ?? "" })}</p>
      ${c.answered_by === "outcome" ? nothing : html`<p class="small chance-vs-stage">${t("deal.chance_vs_stage", {
        stage: `${this.deal.probability}%`, chance: percent(c.probability) })}</p>`}
      ${c.factors.length ? html`<h4>${t("deal.factors")}</h4><ul class="factors">${c.factors.map(
        (f) => html`<li><span>${factorName(f.name)}</span><span class="bar ${f.effect >= 0 ? "up" : "down"}">
          <i style="width:${Math.round((Math.abs(f.effect) / widest) * 100)}%"></i></span>
          <small>${f.effect >= 0 ? "+" : "−"}${number(Math.abs(f.effect), 2)}</small></li>`,
      )}</ul>` : nothing}
    </div>`;
  }

  historyCard() {
    const stageName = (id) => this.pipeline.stages.find((s) => s.id === id)?.name || "—";
    return html`<div class="card"><h2>${t("deal.stage_history")}</h2><ul class="timeline">${this.history.map(
      (v) => html`<li><span class="kind">➜</span><span>${stageName(v.stage_id)}</span>
        <time>${date(v.entered_at.slice(0, 10))}${v.left_at ? ` – ${date(v.left_at.slice(0, 10))}` : ""}</time></li>`,
    )}</ul></div>`;
  }

  // The deal's changes from the audit, its fields shown as the card shows them.
  auditCard() {
    const d = this.deal;
    const stage = (id) => this.pipeline.stages.find((s) => s.id === id)?.name || id;
    const format = {
      stage_id: stage,
      amount: (value) => money(value, d.currency || "VND"),
      expected_close_date: (value) => date(String(value).slice(0, 10)),
      counterparty_id: (id) => this.names[id] || id,
      pipeline_id: (id) => (id === this.pipeline.id ? this.pipeline.name : id),
      status: (value) => t(`deal.status_${value}`),
      probability: (value) => `${value}%`,
      lost_reason_id: (id) => this.reasons[id] || id,
      ...Object.fromEntries(DEAL_CHOICES.map((choice) => [choice.field, (id) => this.names.choices[choice.field][id] || id])),
    };
    return auditView(this.audit, { title: lc("history"), format });
  }

  async archive() {
    const text = lc("archive_deal_text", { name: this.deal.title });
    if (await archiveRecord(`/deals/${this.deal.id}`, this.deal, { title: lc("archive_deal_title"), text })) await this.load();
  }

  async restore() {
    if (await restoreRecord(`/deals/${this.deal.id}`)) await this.load();
  }

  actions() {
    if (!session.canWrite) return nothing;
    const d = this.deal;
    if (d.archived_at) return nothing; // its banner offers Restore
    const archive = html`<button class="ghost" data-archive @click=${() => this.archive()}>${lc("archive")}</button>`;
    const edit = async () => {
      const saved = await dialog(t("deal.edit"), dealForm({ deal: d, names: this.names }));
      if (saved?.stale) {
        await this.load();
        toast(lc("reloaded"));
      } else if (saved) {
        toast(t("common.saved"));
        await this.load();
      }
    };
    if (d.status !== "open") {
      return html`<button @click=${() => this.act(() => post(`/deals/${d.id}/reopen`), t("deal.reopened"))}>${t("deal.reopen")}</button>${archive}`;
    }
    return html`${archive}<button @click=${edit}>${t("common.edit")}</button>
      <button class="success" @click=${() => this.act(() => post(`/deals/${d.id}/win`), t("deal.marked_won"))}>${t("deal.mark_won")}</button>
      <button class="danger" @click=${async () => this.act(async () => dialog(t("deal.lose_title"), await loseForm(d)), t("deal.marked_lost"))}>${t("deal.mark_lost")}</button>`;
  }

  draw() {
    const d = this.deal;
    const subtitle = html`${badge(t(`deal.status_${d.status}`), STATUS_TONE[d.status])}
      <a href="#/counterparties/${d.counterparty_id}">${this.names[d.counterparty_id] || ""}</a> ·
      <a href="#/board/${this.pipeline.id}">${this.pipeline.name}</a>`;
    render(
      html`${pageHeader(d.title, subtitle, this.actions())}
        ${d.archived_at ? archivedBanner(d, { what: d.title, onRestore: () => this.restore(), canWrite: session.canWrite }) : nothing}
        ${this.stagePath()}
        ${tabs([["card", t("deal.tab_card")], ["history", lc("tab_history")]], this.tab, (tab) => this.address({ tab: tab === "card" ? "" : tab }))}
        ${this.tab === "history" ? this.auditCard() : html`<div class="split">
          <div class="stack">${this.facts()}${this.checklist()}${this.environment()}${this.paperwork()}${this.files.view()}${this.timelineCard()}</div>
          <div class="stack">${this.chanceCard()}${this.historyCard()}</div>
        </div>`}`,
      this.root,
    );
  }
}

function factorName(name) {
  const [feature, value] = name.split("=");
  const label = t(`deal.factor_${feature}`);
  return value ? `${label}: ${value}` : label;
}

function participantForm(deal) {
  const state = { errors: {}, options: null };
  const roles = ["competitor", "contractor", "influencer", "partner"];
  return (close, redraw) => {
    if (!state.options) {
      state.options = [];
      get("/counterparties", { page_size: 500 }).then((reply) => {
        state.options = reply.items.filter((c) => c.id !== deal.counterparty_id).map((c) => [c.id, c.name]);
        redraw();
      });
    }
    async function submit(event) {
      event.preventDefault();
      const values = formValues(event.target);
      if (values.influence) values.influence = Number(values.influence);
      try {
        close(await post(`/deals/${deal.id}/participants`, values));
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        state.errors = error.fields;
        redraw();
      }
    }
    const e = state.errors;
    return html`<form @submit=${submit} novalidate>
      ${field({ label: t("deal.participant"), name: "counterparty_id", error: e.counterparty_id, options: state.options })}
      <div class="form-grid">
        ${field({ label: t("deal.role"), name: "role", error: e.role, required: true, options: roles.map((r) => [r, t(`deal.role_${r}`)]) })}
        ${field({ label: t("deal.influence"), name: "influence", value: 50, type: "number", error: e.influence, attrs: { min: 0, max: 100 } })}
        ${field({ label: t("deal.attitude"), name: "attitude", value: "neutral", required: true, error: e.attitude,
            options: ["positive", "neutral", "negative"].map((a) => [a, t(`deal.attitude_${a}`)]) })}
      </div>
      ${field({ label: t("deal.note"), name: "note", type: "textarea", error: e.note })}
      <div class="form-actions"><button type="button" class="ghost" @click=${() => close(null)}>${t("common.cancel")}</button>
        <button class="primary" type="submit">${t("deal.add_participant")}</button></div>
    </form>`;
  };
}
