// My day: the tasks and planned calls and meetings of today or this week, what is overdue, and the
// messages handed over to answer; a supervisor may look at the day of the people below them. A
// planned call or meeting is marked done with its outcome, rescheduled or archived right there; a
// task edited, reassigned, talked about or archived.
import "./myday.css";
import { ApiError, everything, get, patchVersion, post } from "../api.js";
import { addDays, calendarDay, date, dayOfWeek, momentOf, t, time, weekday } from "../i18n.js";
import { interactionActions, lc } from "../lifecycle.js";
import { go } from "../router.js";
import { Threads, taskActions } from "./task-actions.js";
import { session } from "../session.js";
import {
  badge,
  dialog,
  emptyState,
  field,
  formValues,
  html,
  loading,
  nothing,
  pageHeader,
  problem,
  render,
  toast,
} from "../ui.js";

const ICONS = {
  call: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.4 1.8.7 2.7a2 2 0 0 1-.5 2.1L8 9.8a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.7.7a2 2 0 0 1 1.7 2z"/></svg>`,
  meeting: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M17 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2"/><circle cx="9" cy="7" r="4"/><path d="M23 21v-2a4 4 0 0 0-3-3.9M16 3.1a4 4 0 0 1 0 7.8"/></svg>`,
  note: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z"/><path d="M14 2v6h6M8 13h8M8 17h5"/></svg>`,
  task: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M9 11l3 3L22 4"/><path d="M21 12v7a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h11"/></svg>`,
  mail: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/><path d="M22 6l-10 7L2 6"/></svg>`,
};

// Names of deals and counterparties, fetched once per visit of the app.
const deals = new Map();
const counterparties = new Map();

function remembered(cache, path, id) {
  if (!cache.has(id)) cache.set(id, get(`${path}/${id}`).catch(() => null));
  return cache.get(id);
}


// Today, or this week from Monday to Sunday, as calendar days of the reader's time zone.
function period(range) {
  const today = calendarDay(new Date());
  if (range !== "week") return { today, from: today, to: today };
  const monday = addDays(today, -((dayOfWeek(today) + 6) % 7));
  return { today, from: monday, to: addDays(monday, 6) };
}

// Everyone below me in the supervisor chain, however deep (as the API decides who may see whom).
function teamOf(users, me) {
  const team = [];
  let level = [me];
  while (level.length) {
    const below = users.filter((u) => level.includes(u.supervisor_id) && u.id !== me && !team.includes(u));
    team.push(...below);
    level = below.map((u) => u.id);
  }
  return team;
}

async function load(state) {
  const { userId } = state;
  const { from, to, today } = period(state.range);
  const start = momentOf(from);
  const end = momentOf(addDays(to, 1));
  const [planner, overdue, missed, assigned, planned] = await Promise.all([
    get("/planner", { user_id: userId, from, to }),
    get("/tasks", { assignee_id: userId, status: "open", overdue: true, page_size: 200 }),
    get("/interactions", {
      owner_id: userId,
      planned_from: new Date(start.getTime() - 30 * 86400000).toISOString(),
      planned_to: start.toISOString(),
      page_size: 200,
    }).catch(() => ({ items: [] })),
    get("/mail/assignments", { assignee_id: userId, page_size: 20 }).catch(() => ({ items: [] })),
    // The period's calls and meetings from contacts itself, done ones too, with their versions:
    // marked done or rescheduled here, they move at once (the planner follows by events).
    get("/interactions", {
      owner_id: userId,
      planned_from: start.toISOString(),
      planned_to: end.toISOString(),
      page_size: 500,
    }).catch(() => null),
  ]);
  const days = new Map(planner.days.map((d) => [d.date, d]));
  const byDay = new Map();
  for (const i of planned?.items || []) {
    const day = calendarDay(new Date(i.planned_at));
    byDay.set(day, [...(byDay.get(day) || []), i]);
  }
  state.days = [];
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const found = days.get(day) || { date: day, tasks: [], interactions: [] };
    state.days.push(planned ? { ...found, interactions: byDay.get(day) || [] } : found);
  }
  state.overdue = {
    tasks: overdue.items.filter((task) => task.due_date < from && task.due_date < today),
    interactions: missed.items.filter((i) => !i.done_at && i.planned_at),
  };
  state.assigned = assigned.items;
  state.today = today;
  state.from = from;
  state.to = to;
  state.selected = new Set([...state.selected || []].filter((id) => state.overdue.tasks.some((task) => task.id === id)));
  state.deal = {};
  state.party = {};
  await resolveNames(state, state.days.flatMap((day) => [...day.tasks, ...day.interactions]));
  if (state.overdueOpen) await resolveNames(state, overdueItems(state));
}

const overdueItems = (state) => [...state.overdue.tasks, ...state.overdue.interactions];

// The deals and counterparties the items name, fetched once each (the overdue ones only when the
// reader opens them: the day comes first).
async function resolveNames(state, items) {
  const dealIds = new Set(items.map((i) => i.deal_id).filter(Boolean));
  const found = await Promise.all([...dealIds].map((id) => remembered(deals, "/deals", id)));
  const partyIds = new Set(items.map((i) => i.counterparty_id).filter(Boolean));
  for (const deal of found) if (deal) partyIds.add(deal.counterparty_id);
  await Promise.all([...partyIds].map((id) => remembered(counterparties, "/counterparties", id)));
  for (const id of dealIds) state.deal[id] = await deals.get(id);
  for (const id of partyIds) state.party[id] = await counterparties.get(id);
}

export async function show(root, params, query) {
  render(loading(), root);
  const me = session.me.id;
  const users = await everything("/users");
  const team = teamOf(users, me);
  const state = {
    range: query.range === "week" ? "week" : "today",
    userId: team.some((u) => u.id === query.user) ? query.user : me,
    users,
    team,
    names: Object.fromEntries(users.map((u) => [u.id, u.full_name || u.username])),
    threads: new Threads(() => draw()),
  };
  const reload = async () => {
    try {
      await load(state);
      draw();
    } catch (error) {
      render(problem(error), root);
    }
  };

  async function complete(task, button) {
    button.disabled = true;
    try {
      await post(`/tasks/${task.id}/complete`);
      toast(t("myday.task_done", { title: task.title }));
      await reload();
    } catch (error) {
      button.disabled = false;
      toast(error.message || t("common.failed"), "bad");
    }
  }

  async function newTask() {
    const created = await taskDialog(state);
    if (created) {
      toast(t("myday.task_created", { title: created.title }));
      await reload();
    }
  }

  async function toggleOverdue(open) {
    if (open === Boolean(state.overdueOpen)) return;
    state.overdueOpen = open;
    if (open) await resolveNames(state, overdueItems(state));
    draw();
  }

  function select(ids, chosen) {
    for (const id of ids) chosen ? state.selected.add(id) : state.selected.delete(id);
    draw();
  }

  // Done, or moved to today, for every overdue task ticked: one answer each, told in one toast.
  async function bulk(action, button) {
    const chosen = state.overdue.tasks.filter((task) => state.selected.has(task.id));
    button.disabled = true;
    const results = await Promise.allSettled(chosen.map((task) => action === "done"
      ? post(`/tasks/${task.id}/complete`)
      : patchVersion(`/tasks/${task.id}`, { due_date: state.today }, task.version)));
    const failed = results.filter((r) => r.status === "rejected").length;
    const changed = chosen.length - failed;
    toast(t(action === "done" ? "myday.bulk_done" : "myday.bulk_moved", { count: changed }), failed ? "bad" : "ok");
    if (failed) toast(t("myday.bulk_failed", { count: failed }), "bad");
    state.selected.clear();
    await reload();
  }

  const choose = (changes) => {
    const next = { range: state.range, user: state.userId === me ? "" : state.userId, ...changes };
    go("/my-day", next);
  };

  function draw() {
    render(screen(state, { complete, newTask, choose, reload, toggleOverdue, select, bulk }), root);
  }

  await reload();
}

function screen(state, actions) {
  const { days, overdue } = state;
  const planned = days.reduce((n, d) => n + d.tasks.length + d.interactions.length, 0);
  const pending = overdue.tasks.length + overdue.interactions.length;
  const nothingAtAll = planned + pending + state.assigned.length === 0;
  return html`<div class="myday">
    ${pageHeader(t("myday.title"), subtitle(state), controls(state, actions))}
    ${nothingAtAll
      ? html`<div class="card">${emptyState(
          t(state.range === "week" ? "myday.empty_week" : "myday.empty_today"),
          t("myday.empty_hint"),
          session.canWrite
            ? html`<button class="primary" @click=${actions.newTask}>${t("myday.new_task")}</button>`
            : nothing,
        )}</div>`
      : html`<div class="myday-grid">
          <div class="stack">
            ${state.range === "week" ? nothing : days.map((day) => dayCard(state, day, actions))}
            ${pending ? overdueCard(state, actions) : nothing}
            ${state.range === "week" ? days.map((day) => dayCard(state, day, actions)) : nothing}
          </div>
          <aside class="stack">${summary(state)}${assignedCard(state)}</aside>
        </div>`}
  </div>`;
}

function subtitle(state) {
  const whose = state.userId === session.me.id ? null : state.users.find((u) => u.id === state.userId);
  const when =
    state.range === "week"
      ? t("myday.week_of", { from: date(state.from), to: date(state.to) })
      : `${weekday(state.today)}, ${date(state.today)}`;
  return whose ? t("myday.day_of", { name: whose.full_name, when }) : when;
}

function controls(state, { newTask, choose }) {
  const me = session.me;
  return html`
    ${state.team.length
      ? html`<label class="whose"><span>${t("myday.whose_day")}</span>
          <select aria-label=${t("myday.whose_day")} @change=${(e) => choose({ user: e.target.value === me.id ? "" : e.target.value })}>
            <option value=${me.id} ?selected=${state.userId === me.id}>${t("myday.me", { name: me.full_name || me.username })}</option>
            ${state.team.map((u) => html`<option value=${u.id} ?selected=${state.userId === u.id}>${u.full_name}</option>`)}
          </select></label>`
      : nothing}
    <div class="segmented" role="group" aria-label=${t("myday.range")}>
      ${["today", "week"].map(
        (range) => html`<button class=${state.range === range ? "active" : ""} aria-pressed=${state.range === range ? "true" : "false"}
          @click=${() => choose({ range })}>${t(`myday.range_${range}`)}</button>`,
      )}
    </div>
    ${session.canWrite ? html`<button class="primary" @click=${newTask}>${t("myday.new_task")}</button>` : nothing}`;
}

// What is overdue, folded under its count (today comes first); opened, its tasks can be ticked and
// done or moved to today together.
function overdueCard(state, actions) {
  const { tasks, interactions } = state.overdue;
  return html`<details class="card day overdue-card" aria-label=${t("myday.overdue")} ?open=${state.overdueOpen}
      @toggle=${(e) => actions.toggleOverdue(e.currentTarget.open)}>
    <summary class="day-head"><h2>${t("myday.overdue")}</h2>${badge(String(tasks.length + interactions.length), "bad")}</summary>
    ${state.overdueOpen ? html`<p class="muted">${t("myday.overdue_hint")}</p>
      ${tasks.length && session.canWrite ? bulkBar(state, actions) : nothing}
      <ul class="agenda open">
        ${interactions.map((i) => contactItem(state, i, true, actions))}
        ${tasks.map((task) => taskItem(state, task, actions, true))}
      </ul>` : nothing}
  </details>`;
}

function bulkBar(state, { select, bulk }) {
  const ids = state.overdue.tasks.map((task) => task.id);
  const count = state.selected.size;
  return html`<div class="bulk-bar">
    <label><input type="checkbox" .checked=${count === ids.length} @change=${(e) => select(ids, e.target.checked)} />
      ${t("myday.select_all", { count: ids.length })}</label>
    <button class="small success" ?disabled=${!count} @click=${(e) => bulk("done", e.currentTarget)}>✓ ${t("myday.bulk_mark_done", { count })}</button>
    <button class="small" ?disabled=${!count} @click=${(e) => bulk("today", e.currentTarget)}>${t("myday.bulk_move_today", { count })}</button>
  </div>`;
}

function dayCard(state, day, actions) {
  const open = day.tasks.filter((task) => task.status === "open");
  const byTime = (a, b) => a.planned_at.localeCompare(b.planned_at);
  const contacts = day.interactions.filter((i) => !i.done_at).sort(byTime);
  const held = day.interactions.filter((i) => i.done_at).sort(byTime);
  const done = [...day.tasks.filter((task) => task.status === "done"), ...held];
  const isToday = day.date === state.today;
  const past = day.date < state.today;
  const empty = open.length + contacts.length === 0;
  return html`<section class="card day ${isToday ? "today" : ""} ${empty ? "quiet" : ""}" data-day=${day.date}>
    <header class="day-head">
      <h2>${isToday ? t("myday.today") : weekday(day.date)}<small>${date(day.date)}</small></h2>
      ${open.length + contacts.length ? html`<span class="muted">${t("myday.count", { count: open.length + contacts.length })}</span>` : nothing}
    </header>
    ${empty
      ? html`<p class="muted nothing">${done.length ? t("myday.all_done") : past ? t("myday.nothing_was") : t("myday.nothing_day")}</p>`
      : html`<ul class="agenda open">
          ${contacts.map((i) => contactItem(state, i, past, actions))}
          ${open.map((task) => taskItem(state, task, actions))}
        </ul>`}
    ${done.length
      ? html`<details class="completed"><summary>${t("myday.completed", { count: done.length })}</summary>
          <ul class="agenda done">${held.map((i) => contactItem(state, i, past, actions))}${done
            .filter((item) => !held.includes(item))
            .map((task) => taskItem(state, task, actions))}</ul></details>`
      : nothing}
  </section>`;
}

function dealLink(state, dealId) {
  if (!dealId) return nothing;
  const deal = state.deal[dealId];
  return html`<span class="tag">${t("myday.deal")} ${deal
    ? html`<a href="#/deals/${dealId}">${deal.title}</a>`
    : html`<em>${t("myday.hidden")}</em>`}</span>`;
}

function partyLink(state, partyId) {
  if (!partyId) return nothing;
  const party = state.party[partyId];
  return party
    ? html`<a class="party" href="#/counterparties/${partyId}">${party.name}</a>`
    : html`<em class="party">${t("myday.hidden")}</em>`;
}

function taskItem(state, task, { complete, reload, select }, selectable = false) {
  const overdue = task.status === "open" && task.due_date < state.today;
  const partyId = task.counterparty_id || state.deal[task.deal_id]?.counterparty_id;
  const due = overdue
    ? badge(t("myday.overdue_since", { date: date(task.due_date) }), "bad")
    : task.due_date === state.today
      ? badge(t("myday.due_today"), "warn")
      : badge(t("myday.due_on", { date: date(task.due_date) }));
  return html`<li class="item task ${overdue ? "late" : ""} ${task.status}" data-task=${task.id}>
    <span class="when">${selectable && session.canWrite
      ? html`<input type="checkbox" class="pick" aria-label=${t("myday.pick", { title: task.title })}
          .checked=${state.selected.has(task.id)} @change=${(e) => select([task.id], e.target.checked)} />`
      : task.status === "done" ? t("myday.done") : t("myday.all_day")}</span>
    <span class="icon task-icon">${ICONS.task}</span>
    <div class="what">
      <strong>${task.title}</strong>
      <div class="meta">${partyLink(state, partyId)}${dealLink(state, task.deal_id)}</div>
      ${task.note ? html`<p class="note">${task.note}</p>` : nothing}
      ${taskActions(task, { users: state.names, threads: state.threads, after: reload })}
      ${state.threads.view(task, state.names)}
    </div>
    <div class="side">
      ${task.status === "open"
        ? html`${due}${session.canWrite
            ? html`<button class="small success" @click=${(e) => complete(task, e.currentTarget)}>✓ ${t("myday.mark_done")}</button>`
            : nothing}`
        : badge(t("myday.done"), "good")}
    </div>
  </li>`;
}

function contactItem(state, interaction, past, { reload }) {
  const kind = ["call", "meeting"].includes(interaction.kind) ? interaction.kind : "note";
  const held = Boolean(interaction.done_at);
  const late = !held && (past || new Date(interaction.planned_at) < new Date());
  // The planner's entries (when contacts did not answer) carry no version: no actions on those.
  const actionable = session.canWrite && !held && "version" in interaction;
  const day = calendarDay(new Date(interaction.planned_at));
  const inRange = day >= state.from && day <= state.to;
  return html`<li class="item contact ${kind} ${late ? "late" : ""} ${held ? "done" : ""}" data-interaction=${interaction.id}>
    <span class="when">${inRange ? time(interaction.planned_at) : date(day)}</span>
    <span class="icon ${kind}-icon">${ICONS[kind]}</span>
    <div class="what">
      <strong>${interaction.subject || t(`myday.kind_${kind}`)}</strong>
      <div class="meta"><span class="tag">${t(`myday.kind_${kind}_with`)} ${partyLink(state, interaction.counterparty_id)}</span>${dealLink(state, interaction.deal_id)}</div>
      ${held && interaction.outcome ? html`<p class="lc-outcome"><span class="muted">${lc("outcome")}:</span> ${interaction.outcome}</p>` : nothing}
    </div>
    <div class="side">${held ? badge(lc("held"), "good") : late ? badge(t("myday.not_logged"), "bad") : badge(t(`myday.kind_${kind}`), "info")}
      ${actionable ? interactionActions(interaction, reload) : nothing}</div>
  </li>`;
}

function summary(state) {
  const all = state.days.flatMap((d) => d.tasks);
  const contacts = state.days.flatMap((d) => d.interactions);
  const open = all.filter((task) => task.status === "open").length;
  const done = all.length - open;
  const late = state.overdue.tasks.length + all.filter((task) => task.status === "open" && task.due_date < state.today).length;
  const figure = (value, label, tone = "") => html`<div class="figure ${tone}"><b>${value}</b><span>${label}</span></div>`;
  return html`<section class="card summary">
    <h2>${t(state.range === "week" ? "myday.summary_week" : "myday.summary_today")}</h2>
    <div class="figures">
      ${figure(open, t("myday.open_tasks"))}
      ${figure(late, t("myday.overdue_tasks"), late ? "bad" : "")}
      ${figure(contacts.filter((i) => i.kind === "call").length, t("myday.calls"))}
      ${figure(contacts.filter((i) => i.kind === "meeting").length, t("myday.meetings"))}
    </div>
    ${all.length ? html`<div class="progress" title=${t("myday.done_of", { done, total: all.length })}>
        <span style="width:${Math.round((100 * done) / all.length)}%"></span></div>
      <p class="muted">${t("myday.done_of", { done, total: all.length })}</p>` : nothing}
  </section>`;
}

function assignedCard(state) {
  return html`<section class="card assigned">
    <h2>${t("myday.to_answer")}</h2>
    ${state.assigned.length === 0
      ? html`<p class="muted">${t("myday.to_answer_none")}</p>`
      : html`<ul class="mails">${state.assigned.map(
          (m) => html`<li class=${m.due_date && m.due_date < state.today ? "late" : ""}>
            <span class="icon">${ICONS.mail}</span>
            <div><a href="#/mail/${m.mailbox_id}?message=${m.id}">${m.subject || t("myday.no_subject")}</a>
              <small>${m.from_name || m.from_address}</small></div>
            ${m.due_date ? badge(date(m.due_date), m.due_date < state.today ? "bad" : m.due_date === state.today ? "warn" : "") : nothing}
          </li>`,
        )}</ul>`}
  </section>`;
}

async function taskDialog(state) {
  const open = await everything("/deals", { status: "open" }).catch(() => []);
  open.sort((a, b) => a.title.localeCompare(b.title));
  let values = { assignee_id: state.userId, due_date: state.today };
  let errors = {};
  let failure = null;
  const people = [...state.users].sort((a, b) => a.full_name.localeCompare(b.full_name));
  return dialog(t("myday.new_task"), (close, redraw) => {
    async function submit(event) {
      event.preventDefault();
      values = formValues(event.target);
      try {
        close(await post("/tasks", { ...values }));
      } catch (error) {
        errors = error instanceof ApiError ? error.fields : {};
        failure = Object.keys(errors).length ? null : error;
        redraw();
      }
    }
    return html`<form class="task-form" novalidate @submit=${submit}>
      ${field({ label: t("myday.field_title"), name: "title", value: values.title, error: errors.title, required: true })}
      <div class="form-grid">
        ${field({ label: t("myday.field_assignee"), name: "assignee_id", value: values.assignee_id, error: errors.assignee_id, required: true,
          options: people.map((u) => [u.id, u.full_name]) })}
        ${field({ label: t("myday.field_due"), name: "due_date", type: "date", value: values.due_date, error: errors.due_date, required: true })}
      </div>
      ${field({ label: t("myday.field_deal"), name: "deal_id", value: values.deal_id, error: errors.deal_id,
        options: open.map((d) => [d.id, d.title]), hint: t("myday.field_deal_hint") })}
      ${field({ label: t("myday.field_note"), name: "note", type: "textarea", value: values.note, error: errors.note })}
      ${Object.keys(errors).length ? html`<div class="alert" role="alert">${t("common.fix_fields")}</div>` : nothing}
      ${failure ? problem(failure) : nothing}
      <div class="form-actions">
        <button type="button" class="ghost" @click=${() => close(null)}>${t("common.cancel")}</button>
        <button type="submit" class="primary">${t("myday.create_task")}</button>
      </div>
    </form>`;
  });
}
