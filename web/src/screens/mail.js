// Mail: the mailboxes one may read, their messages (opened as text, never as HTML), replies,
// assignments to answer by a date, and the mass mailings started from this tab with their progress.
import "./mail.css";
import { everything, get, post } from "../api.js";
import { calendarDay, date, dateTime, number, t, time } from "../i18n.js";
import { session } from "../session.js";
import { badge, emptyState, html, loading, nothing, pageHeader, pager, problem, render, toast } from "../ui.js";
import { assignDialog, downloadAttachment, mailboxDialog, mailingDialog, replyDialog } from "./mail/dialogs.js";

const PAGE_SIZE = 50;

const counterparties = new Map();
const deals = new Map();

function remembered(cache, path, id) {
  if (!cache.has(id)) cache.set(id, get(`${path}/${id}`).catch(() => null));
  return cache.get(id);
}


// A message's moment: the time today, the day otherwise.
function when(value) {
  if (!value) return "—";
  const moment = new Date(value);
  if (calendarDay(moment) === calendarDay(new Date())) {
    return time(moment);
  }
  return date(calendarDay(moment));
}

let current = null; // what is on screen, so that opening a message reloads only the message

export async function show(root, params, query) {
  const view = query.view === "mailings" ? "mailings" : "messages";
  const page = Number(query.page) || 1;
  const same = current && current.root === root && root.querySelector(".mail-app");
  if (same && view === "messages" && current.view === view && current.mailboxId === params.mailboxId && current.page === page) {
    return openMessage(current, query.message || null);
  }
  const state = { root, view, page, mailboxId: params.mailboxId || null, messageId: query.message || null };
  if (same) {
    Object.assign(state, { mailboxes: current.mailboxes, users: current.users, loadingMain: true });
    current = state;
    draw(state);
  } else {
    current = state;
    render(loading(), root);
  }
  try {
    const [mailboxes, users] = await Promise.all([everything("/mailboxes"), everything("/users")]);
    state.mailboxes = mailboxes;
    state.users = Object.fromEntries(users.map((u) => [u.id, u]));
    if (view === "messages" && !state.mailboxId && mailboxes.length) {
      state.mailboxId = mailboxes[0].id;
      history.replaceState(null, "", `#/mail/${state.mailboxId}`);
    }
    if (view === "mailings") await loadMailings(state);
    else if (state.mailboxId) {
      try {
        await loadMessages(state);
        if (state.messageId) await loadMessage(state, state.messageId);
      } catch (error) {
        state.mainError = error; // a mailbox one may not read: the others stay on the left
      }
    }
    state.loadingMain = false;
    draw(state);
  } catch (error) {
    if (current === state) render(problem(error), root);
  }
}

function draw(state) {
  if (current !== state) return;
  render(html`<div class="mail-app">${sidebar(state)}<section class="mail-main">${main(state)}</section></div>`, state.root);
}

function mailbox(state) {
  return state.mailboxes.find((m) => m.id === state.mailboxId);
}

async function loadMessages(state) {
  state.mailbox = await get(`/mailboxes/${state.mailboxId}`);
  const reply = await get(`/mailboxes/${state.mailboxId}/messages`, { page: state.page, page_size: PAGE_SIZE });
  await names(state, reply.items);
  state.messages = reply;
}

async function names(state, messages) {
  const partyIds = new Set(messages.flatMap((m) => m.counterparty_ids));
  const dealIds = new Set(messages.map((m) => m.deal_id).filter(Boolean));
  await Promise.all([
    ...[...partyIds].map((id) => remembered(counterparties, "/counterparties", id)),
    ...[...dealIds].map((id) => remembered(deals, "/deals", id)),
  ]);
  state.party = state.party || {};
  state.deal = state.deal || {};
  for (const id of partyIds) state.party[id] = await counterparties.get(id);
  for (const id of dealIds) state.deal[id] = await deals.get(id);
}

// An answer for a message the reader has since left (another one opened meanwhile) is dropped.
async function loadMessage(state, id) {
  let message = null;
  let error = null;
  try {
    message = await get(`/messages/${id}`);
    await names(state, [message]);
  } catch (failure) {
    error = failure;
  }
  if (state.messageId !== id) return;
  state.message = message;
  state.messageError = error;
}

async function openMessage(state, id) {
  state.messageId = id;
  if (!id) {
    state.message = null;
    return draw(state);
  }
  if (state.message?.id !== id) {
    state.message = null;
    state.loadingMessage = true;
    draw(state);
  }
  await loadMessage(state, id);
  if (state.messageId !== id) return; // the one opened since draws itself
  state.loadingMessage = false;
  draw(state);
}

async function refresh(state) {
  state.mailboxes = await everything("/mailboxes");
  await loadMessages(state);
  if (state.messageId) await loadMessage(state, state.messageId);
  draw(state);
}

// --- the left column --------------------------------------------------------------------------

function sidebar(state) {
  return html`<aside class="mail-nav">
    <div class="nav-head"><h2>${t("mail.mailboxes")}</h2>
      ${session.canWrite
        ? html`<button class="ghost small" @click=${() => newMailbox(state)} title=${t("mail.new_mailbox")}>+ ${t("mail.new")}</button>`
        : nothing}</div>
    ${state.mailboxes.length === 0
      ? html`<p class="muted none">${t("mail.no_mailboxes_short")}</p>`
      : html`<ul class="boxes">${state.mailboxes.map((box) => boxLink(state, box))}</ul>`}
    <div class="nav-head"><h2>${t("mail.mass")}</h2></div>
    <ul class="boxes">
      <li><a href="#/mail?view=mailings" class=${state.view === "mailings" ? "active" : ""}>
        <span class="box-icon">${ICON.megaphone}</span>
        <span class="box-text"><span class="box-name">${t("mail.mailings")}</span><small>${t("mail.mailings_nav_hint")}</small></span>
      </a></li>
    </ul>
  </aside>`;
}

function boxLink(state, box) {
  const active = state.view === "messages" && box.id === state.mailboxId;
  return html`<li><a href="#/mail/${box.id}" class=${active ? "active" : ""} aria-current=${active ? "page" : "false"}>
    <span class="box-icon">${box.kind === "shared" ? ICON.shared : ICON.inbox}</span>
    <span class="box-text"><span class="box-name">${box.name}</span><small>${box.address}</small></span>
    ${box.last_error
      ? html`<span class="box-alert" title=${t("mail.sync_failed_short")}>!</span>`
      : box.messages
        ? html`<span class="box-count">${number(box.messages)}</span>`
        : nothing}
  </a></li>`;
}

// --- the main column --------------------------------------------------------------------------

function main(state) {
  if (state.loadingMain) return loading();
  if (state.view === "mailings") return mailingsView(state);
  if (state.mailboxes.length === 0) {
    return html`${pageHeader(t("mail.title"))}<div class="card">${emptyState(
      t("mail.no_mailbox"),
      t("mail.no_mailbox_hint"),
      session.canWrite
        ? html`<button class="primary" @click=${() => newMailbox(state)}>${t("mail.connect")}</button>`
        : html`<p>${t("mail.no_mailbox_viewer")}</p>`,
    )}</div>`;
  }
  if (state.mainError || !state.mailbox) return problem(state.mainError || { status: 404 });
  return html`${boxHeader(state)}
    ${state.mailbox.last_error
      ? html`<div class="alert" role="alert"><strong>${t("mail.sync_failed")}</strong> ${state.mailbox.last_error}</div>`
      : nothing}
    ${state.messages.total === 0 ? emptyBox(state) : html`<div class="mail-panes">${messageList(state)}${reader(state)}</div>`}`;
}

function boxHeader(state) {
  const box = state.mailbox;
  const synced = box.last_sync_at ? t("mail.synced_at", { at: dateTime(box.last_sync_at) }) : t("mail.never_synced");
  const kind = box.kind === "shared" ? t("mail.kind_shared") : t("mail.kind_personal");
  return pageHeader(
    box.name,
    html`${box.address} · ${kind} · ${synced}`,
    html`<button class="ghost proposals-link" @click=${() => (window.location.hash = `#/mail/proposals?mailbox_id=${box.id}`)}>${t("reports.proposals_link")}</button>
      <button class=${state.messages.total === 0 ? "primary" : ""} ?disabled=${state.syncing} @click=${() => sync(state)}>
      <span class="sync-icon ${state.syncing ? "spinning" : ""}">⟳</span> ${state.syncing ? t("mail.syncing") : t("mail.sync")}</button>`,
  );
}

function emptyBox(state) {
  return html`<div class="card">${emptyState(
    t("mail.empty_box"),
    t("mail.empty_box_hint", { address: state.mailbox.address }),
    html`<button class="primary" ?disabled=${state.syncing} @click=${() => sync(state)}>${t("mail.sync")}</button>`,
  )}</div>`;
}

async function sync(state) {
  const before = state.mailbox;
  state.syncing = true;
  draw(state);
  try {
    let box = await post(`/mailboxes/${before.id}/sync`);
    for (let tries = 0; tries < 15 && box.last_sync_at === before.last_sync_at && box.last_error === before.last_error; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      box = await get(`/mailboxes/${before.id}`);
    }
    await refresh(state);
    const finished = box.last_sync_at !== before.last_sync_at || box.last_error !== before.last_error;
    if (box.last_error) toast(t("mail.sync_failed"), "bad");
    else if (!finished) toast(t("mail.sync_started"));
    else toast(t("mail.synced", { count: Math.max(0, box.messages - before.messages) }));
  } catch (error) {
    toast(error.message || t("common.failed"), "bad");
  } finally {
    state.syncing = false;
    draw(state);
  }
}

function assignmentBadge(state, message) {
  const who = state.users[message.assignee_id]?.full_name || t("mail.someone");
  const today = calendarDay(new Date());
  if (message.assignment === "open") {
    const late = message.due_date && message.due_date < today;
    return badge(t("mail.assigned_to", { name: who }), late ? "bad" : "warn");
  }
  if (message.assignment === "done") return badge(t("mail.assignment_done"), "good");
  if (message.assignment === "answered") return badge(t("mail.assignment_answered"), "good");
  return nothing;
}

function partyNames(state, message) {
  return message.counterparty_ids.map((id) => state.party[id]?.name).filter(Boolean);
}

function messageList(state) {
  const { items } = state.messages;
  const go = (page) => {
    window.location.hash = `#/mail/${state.mailboxId}?page=${page}`;
  };
  return html`<div class="message-list card">
    <ul>${items.map((m) => {
      const parties = partyNames(state, m);
      const who = m.direction === "out" ? t("mail.to_short", { to: m.to.join(", ") }) : m.from_name || m.from_address;
      return html`<li><a class="msg ${m.id === state.messageId ? "selected" : ""} ${m.direction}" data-message=${m.id}
          href="#/mail/${state.mailboxId}?${new URLSearchParams({ ...(state.page > 1 ? { page: state.page } : {}), message: m.id })}">
        <div class="line"><span class="who">${m.direction === "out" ? html`<span class="out-mark">↗</span>` : nothing}${who}</span>
          <time>${when(m.sent_at || m.created_at)}</time></div>
        <div class="subject">${m.subject || t("mail.no_subject")}${m.attachments.length ? html`<span class="clip" title=${t("mail.attachments")}>${ICON.clip}</span>` : nothing}</div>
        ${parties.length || m.assignment
          ? html`<div class="tags">${parties.length ? html`<span class="party">${parties[0]}${parties.length > 1 ? ` +${parties.length - 1}` : ""}</span>` : nothing}
              ${assignmentBadge(state, m)}</div>`
          : nothing}
      </a></li>`;
    })}</ul>
    ${pager(state.messages, go)}
  </div>`;
}

// --- one message ------------------------------------------------------------------------------

function reader(state) {
  const message = state.message;
  if (state.loadingMessage) return html`<article class="reader card">${loading()}</article>`;
  if (state.messageError) return html`<article class="reader card">${problem(state.messageError)}</article>`;
  if (!message) {
    return html`<article class="reader card placeholder">${emptyState(t("mail.pick"), t("mail.pick_hint"))}</article>`;
  }
  const parties = message.counterparty_ids.filter((id) => state.party[id]);
  const deal = message.deal_id && state.deal[message.deal_id];
  const writer = session.canWrite;
  return html`<article class="reader card" aria-label=${message.subject || t("mail.no_subject")}>
    <header class="reader-head">
      <h2>${message.subject || t("mail.no_subject")}</h2>
      <div class="row">
        ${writer ? html`<button class="primary" @click=${() => reply(state, message)}>↩ ${t("mail.reply")}</button>` : nothing}
        ${writer ? html`<button @click=${() => assign(state, message)}>${t("mail.assign")}</button>` : nothing}
        ${message.assignment === "open" ? html`<button class="success" @click=${(e) => finish(state, message, e.currentTarget)}>✓ ${t("mail.done")}</button>` : nothing}
      </div>
    </header>
    <dl class="facts">
      <dt>${t("mail.from")}</dt><dd>${message.from_name ? html`${message.from_name} <span class="muted">&lt;${message.from_address}&gt;</span>` : message.from_address}</dd>
      <dt>${t("mail.to")}</dt><dd>${message.to.join(", ") || "—"}</dd>
      ${message.cc.length ? html`<dt>${t("mail.cc")}</dt><dd>${message.cc.join(", ")}</dd>` : nothing}
      <dt>${t("mail.date")}</dt><dd>${dateTime(message.sent_at || message.created_at)}</dd>
      ${parties.length
        ? html`<dt>${t("mail.counterparty")}</dt><dd class="links">${parties.map((id) => html`<a href="#/counterparties/${id}">${state.party[id].name}</a>`)}</dd>`
        : nothing}
      ${deal ? html`<dt>${t("mail.deal")}</dt><dd><a href="#/deals/${message.deal_id}">${deal.title}</a></dd>` : nothing}
    </dl>
    ${assignmentBox(state, message)}
    <div class="body" tabindex="0">${message.text || html`<span class="muted">${t("mail.no_text")}</span>`}</div>
    ${message.attachments.length
      ? html`<div class="attachments"><h4>${t("mail.attachments")}</h4>${message.attachments.map(
          (file, index) => html`<button class="attachment" @click=${() => save(message, index, file)}>
            <span class="clip">${ICON.clip}</span><span class="name">${file.filename}</span><small>${size(file.size)}</small></button>`,
        )}</div>`
      : nothing}
  </article>`;
}

function assignmentBox(state, message) {
  if (!message.assignment) return nothing;
  const who = state.users[message.assignee_id]?.full_name || t("mail.someone");
  const late = message.assignment === "open" && message.due_date && message.due_date < calendarDay(new Date());
  return html`<div class="assignment ${message.assignment} ${late ? "late" : ""}">
    <div><strong>${t("mail.assigned_to", { name: who })}</strong>
      ${message.due_date ? html`<span class="muted"> · ${t("mail.due", { date: date(message.due_date) })}</span>` : nothing}
      ${message.assignment_note ? html`<p>${message.assignment_note}</p>` : nothing}</div>
    ${message.assignment === "open"
      ? badge(late ? t("mail.overdue") : t("mail.open"), late ? "bad" : "warn")
      : badge(t(`mail.assignment_${message.assignment}`), "good")}
  </div>`;
}

function size(bytes) {
  if (bytes < 1024) return t("mail.bytes", { n: number(bytes) });
  if (bytes < 1024 * 1024) return t("mail.kb", { n: number(bytes / 1024) });
  return t("mail.mb", { n: number(bytes / 1024 / 1024, 1) });
}

async function save(message, index, file) {
  try {
    await downloadAttachment(message.id, index, file.filename);
  } catch (error) {
    toast(error.message || t("common.failed"), "bad");
  }
}

async function reply(state, message) {
  const sent = await replyDialog(message, state.mailbox);
  if (sent) {
    toast(t("mail.reply_sent", { to: sent.to.join(", ") }));
    await refresh(state);
  }
}

async function assign(state, message) {
  const done = await assignDialog(message);
  if (done) {
    state.users = Object.fromEntries((await everything("/users")).map((u) => [u.id, u]));
    toast(t("mail.assigned", { name: state.users[done.assignee_id]?.full_name || "" }));
    await refresh(state);
  }
}

async function finish(state, message, button) {
  button.disabled = true;
  try {
    await post(`/messages/${message.id}/done`);
    toast(t("mail.marked_done"));
    await refresh(state);
  } catch (error) {
    button.disabled = false;
    toast(error.message || t("common.failed"), "bad");
  }
}

async function newMailbox(state) {
  const made = await mailboxDialog();
  if (made) {
    toast(t("mail.mailbox_created", { name: made.name }));
    window.location.hash = `#/mail/${made.id}`;
  }
}

// --- mass mailings ----------------------------------------------------------------------------

async function loadMailings(state) {
  const [groups, templates, mailings] = await Promise.all([
    everything("/mail/address-groups"),
    everything("/mail/templates"),
    get("/mail/mailings", { page_size: 100 }),
  ]);
  state.groups = groups;
  state.templates = templates;
  state.mailings = mailings.items;
  clearTimeout(state.poll);
  if (state.mailings.some((m) => m.status === "queued" || m.status === "sending")) {
    state.poll = setTimeout(async () => {
      if (current !== state || !state.root.isConnected) return;
      await loadMailings(state);
      draw(state);
    }, 2000);
  }
}

function mailingsView(state) {
  const names = (list) => Object.fromEntries(list.map((item) => [item.id, item.name]));
  const groups = names(state.groups);
  const templates = names(state.templates);
  const boxes = names(state.mailboxes);
  const start = session.canWrite
    ? html`<button class="primary" @click=${() => newMailing(state)}>${t("mail.new_mailing")}</button>`
    : nothing;
  return html`${pageHeader(t("mail.mailings"), t("mail.mailings_subtitle"), start)}
    ${state.mailings.length === 0
      ? html`<div class="card">${emptyState(t("mail.no_mailings"), t("mail.no_mailings_hint"), start)}</div>`
      : html`<div class="table-wrap"><table class="mailings">
          <thead><tr><th>${t("mail.started")}</th><th>${t("mail.address_group")}</th><th>${t("mail.template")}</th>
            <th>${t("mail.mailbox")}</th><th>${t("mail.status")}</th><th class="progress-col">${t("mail.progress")}</th>
            <th class="num">${t("mail.sent")}</th><th class="num">${t("mail.failed")}</th><th class="num">${t("mail.skipped")}</th></tr></thead>
          <tbody>${state.mailings.map((m) => mailingRow(m, groups, templates, boxes))}</tbody>
        </table></div>`}`;
}

const STATUS_TONE = { queued: "info", sending: "warn", done: "good", failed: "bad" };

function mailingRow(m, groups, templates, boxes) {
  const handled = m.sent + m.failed + m.skipped;
  const share = m.total ? Math.round((100 * handled) / m.total) : m.status === "done" ? 100 : 0;
  return html`<tr data-mailing=${m.id}>
    <td>${dateTime(m.created_at)}</td>
    <td>${groups[m.address_group_id] || "—"}</td>
    <td>${templates[m.template_id] || "—"}</td>
    <td>${boxes[m.mailbox_id] || "—"}</td>
    <td>${badge(t(`mail.status_${m.status}`), STATUS_TONE[m.status])}</td>
    <td class="progress-col"><div class="bar" role="progressbar" aria-valuenow=${share} aria-valuemin="0" aria-valuemax="100">
        <span class="sent" style="width:${m.total ? (100 * m.sent) / m.total : 0}%"></span>
        <span class="failed" style="width:${m.total ? (100 * m.failed) / m.total : 0}%"></span>
        <span class="skipped" style="width:${m.total ? (100 * m.skipped) / m.total : 0}%"></span></div>
      <small>${t("mail.progress_of", { done: number(handled), total: number(m.total) })}</small></td>
    <td class="num">${number(m.sent)}</td>
    <td class="num ${m.failed ? "bad" : ""}">${number(m.failed)}</td>
    <td class="num">${number(m.skipped)}</td>
  </tr>`;
}

async function newMailing(state) {
  const started = await mailingDialog(state.groups, state.templates, state.mailboxes);
  if (started) {
    toast(t("mail.mailing_started"));
    await loadMailings(state);
    draw(state);
  }
}

const ICON = {
  clip: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M21.4 11.1l-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5"/></svg>`,
  inbox: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M22 12h-6l-2 3h-4l-2-3H2"/><path d="M5.5 5.1L2 12v6a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2v-6l-3.5-6.9A2 2 0 0 0 16.8 4H7.2a2 2 0 0 0-1.7 1.1z"/></svg>`,
  shared: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M17 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2"/><circle cx="9" cy="7" r="4"/><path d="M23 21v-2a4 4 0 0 0-3-3.9M16 3.1a4 4 0 0 1 0 7.8"/></svg>`,
  megaphone: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 11v2a1 1 0 0 0 1 1h2l5 4V6L6 10H4a1 1 0 0 0-1 1z"/><path d="M15.5 8.5a5 5 0 0 1 0 7M18.5 5.5a9 9 0 0 1 0 13"/></svg>`,
};
