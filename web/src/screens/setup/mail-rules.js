// Sending rules: "N days after an event (an overdue invoice, a birthday...), send template T from
// mailbox M". The list says each in words, with its switch; a rule is made and changed in a dialog,
// switched off and on in its row, archived and restored (the archived ones shown on demand).
import { isStale, patchVersion, post } from "../../api.js";
import { t } from "../../i18n.js";
import { archivedBadge, archivedSwitch, archiveRecord, failureText, lc, restoreRecord, staleNotice } from "../../lifecycle.js";
import { badge, dialog, emptyState, field, formValues, html, nothing, render, toast } from "../../ui.js";
import { eventLabel, fieldErrors, listed, m, namesOf, otherErrors, RULE_EVENTS } from "./mail-shared.js";

const FIELDS = ["event", "offset_days", "template_id", "mailbox_id", "enabled"];

export async function show(root, { query, alive, change, reload }) {
  const showArchived = query.archived === "true";
  // The archived templates and mailboxes too, for the names of the rules that keep them.
  const [rules, templates, mailboxes] = await Promise.all([listed("/mail/rules", showArchived), listed("/mail/templates", true), listed("/mailboxes", true)]);
  if (!alive()) return;
  const active = (records) => records.filter((record) => !record.archived_at);
  const screen = { root, rules, templates: active(templates), mailboxes: active(mailboxes), showArchived, change, reload };
  screen.names = { templates: namesOf(templates), mailboxes: namesOf(mailboxes) };
  draw(screen);
}

const pathOf = (rule) => `/mail/rules/${rule.id}`;

function draw(screen) {
  const { rules, showArchived, change } = screen;
  render(
    html`<section class="card mail-rules">
      <div class="card-head"><h2>${m("rules")}</h2>
        <div class="row">${archivedSwitch(showArchived, (on) => change({ archived: on ? "true" : null }))}
          <button class="primary" @click=${() => edit(screen)}>${m("new_rule")}</button></div></div>
      <p class="muted small">${m("rules_hint")}</p>
      ${rules.length === 0
        ? emptyState(m("no_rules"), m("no_rules_hint"))
        : html`<div class="table-wrap flat"><table class="rules">
            <thead><tr><th>${m("rule_when")}</th><th>${m("template")}</th><th>${m("from_mailbox")}</th>
              <th>${m("rule_enabled")}</th><th></th></tr></thead>
            <tbody>${rules.map((rule) => row(screen, rule))}</tbody></table></div>`}
    </section>`,
    screen.root,
  );
}

// "3 days after an invoice is overdue", "On the birthday".
function when(rule) {
  const event = eventLabel(rule.event);
  if (!rule.offset_days) return m("on_event", { event });
  return rule.offset_days === 1 ? m("one_day_after", { event }) : m("days_after", { n: rule.offset_days, event });
}

function row(screen, rule) {
  const archived = Boolean(rule.archived_at);
  const { templates, mailboxes } = screen.names;
  return html`<tr data-rule=${rule.id} class=${archived ? "lc-archived" : ""}>
    <th scope="row" class="when">${when(rule)} ${archived ? archivedBadge() : nothing}</th>
    <td>${templates[rule.template_id] || m("unknown_template")}</td>
    <td>${mailboxes[rule.mailbox_id] || m("unknown_mailbox")}</td>
    <td class="enabled">${archived
      ? badge(rule.enabled ? m("on") : m("off"))
      : html`<label class="lc-switch"><input type="checkbox" name="enabled" .checked=${rule.enabled}
          aria-label=${m("rule_switch", { rule: when(rule) })} @change=${(event) => switchRule(screen, rule, event)} />
          <span>${rule.enabled ? m("on") : m("off")}</span></label>`}</td>
    <td class="num"><span class="lc-actions">${archived
      ? html`<button class="small" @click=${() => restore(screen, rule)}>${lc("restore")}</button>`
      : html`<button class="ghost small" @click=${() => edit(screen, rule)}>${t("common.edit")}</button>
          <button class="ghost small" @click=${() => archive(screen, rule)}>${lc("archive")}</button>`}</span></td>
  </tr>`;
}

async function switchRule(screen, rule, event) {
  const box = event.target;
  box.disabled = true;
  try {
    const saved = await patchVersion(pathOf(rule), { enabled: box.checked }, rule.version);
    toast(saved.enabled ? m("rule_switched_on") : m("rule_switched_off"));
  } catch (error) {
    box.checked = rule.enabled; // the row is drawn again on the same element: it says what holds
    toast(failureText(error), "bad");
  }
  box.disabled = false;
  await screen.reload();
}

async function archive(screen, rule) {
  if (await archiveRecord(pathOf(rule), rule, { title: m("archive_rule_title"), text: m("archive_rule_text", { rule: when(rule) }) })) {
    await screen.reload();
  }
}

async function restore(screen, rule) {
  if (await restoreRecord(pathOf(rule))) await screen.reload();
}

async function edit(screen, rule = null) {
  const saved = await dialog(rule ? m("edit_rule") : m("new_rule"), ruleForm(screen, rule));
  if (!saved) return;
  if (!saved.stale) toast(rule ? m("rule_saved") : m("rule_created"));
  await screen.reload();
}

// The rule's fields as the API takes them; a rule being changed sends only what changed.
function bodyOf(values, rule) {
  const body = {
    event: values.event,
    offset_days: values.offset_days === undefined ? 0 : Number(values.offset_days),
    template_id: values.template_id,
    mailbox_id: values.mailbox_id,
    enabled: values.enabled === "on",
  };
  return rule ? Object.fromEntries(Object.entries(body).filter(([name, value]) => value !== rule[name])) : body;
}

function ruleForm(screen, rule) {
  const state = { errors: {}, stale: false };
  // The choices are the active ones; the rule's own stays offered (archived, or not for her to see).
  const named = (records, kept, names, unknown) => {
    const choices = records.map((record) => [record.id, record.name]);
    const label = names[kept] ? `${names[kept]} (${lc("archived").toLowerCase()})` : unknown;
    return !kept || choices.some(([id]) => id === kept) ? choices : [...choices, [kept, label]];
  };
  const events = RULE_EVENTS.includes(rule?.event) || !rule ? RULE_EVENTS : [...RULE_EVENTS, rule.event];
  return (close, redraw) => {
    async function submit(event) {
      event.preventDefault();
      const body = bodyOf(formValues(event.target), rule);
      try {
        close(rule ? await patchVersion(pathOf(rule), body, rule.version) : await post("/mail/rules", body));
      } catch (error) {
        state.stale = isStale(error);
        state.errors = state.stale ? {} : fieldErrors(error);
        redraw();
      }
    }
    const e = state.errors;
    const v = rule || { event: RULE_EVENTS[0], offset_days: 0, enabled: true };
    return html`<form class="rule-form" novalidate @submit=${submit}>
      <p class="muted">${m("rule_form_hint")}</p>
      <div class="form-grid">
        ${field({ label: m("rule_event"), name: "event", value: v.event, error: e.event, required: true,
            options: events.map((name) => [name, eventLabel(name)]) })}
        ${field({ label: m("offset_days"), name: "offset_days", type: "number", value: String(v.offset_days ?? 0), error: e.offset_days,
            hint: m("offset_days_hint"), attrs: { min: 0, max: 3650, step: 1 } })}
        ${field({ label: m("template"), name: "template_id", value: v.template_id, error: e.template_id, required: true,
            options: named(screen.templates, rule?.template_id, screen.names.templates, m("unknown_template")) })}
        ${field({ label: m("from_mailbox"), name: "mailbox_id", value: v.mailbox_id, error: e.mailbox_id, required: true,
            options: named(screen.mailboxes, rule?.mailbox_id, screen.names.mailboxes, m("unknown_mailbox")) })}
      </div>
      <label class="check"><input type="checkbox" name="enabled" .checked=${Boolean(v.enabled)} /> ${m("rule_enabled_check")}</label>
      ${screen.templates.length && screen.mailboxes.length ? nothing : html`<div class="notice" role="note">${m("rule_needs")}</div>`}
      ${otherErrors(e, FIELDS)}
      ${state.stale ? staleNotice(() => close({ stale: true })) : nothing}
      <div class="form-actions"><button type="button" class="ghost" @click=${() => close(null)}>${t("common.cancel")}</button>
        <button class="primary" type="submit">${rule ? t("common.save") : m("create_rule")}</button></div>
    </form>`;
  };
}
