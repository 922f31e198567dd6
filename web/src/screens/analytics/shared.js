// What the analytics tabs share: names for ids, dates, filters, tiles, cards, CSV exports and the
// fields that set a classification up.
import { download, everything, get } from "../../api.js";
import { calendarDay, t } from "../../i18n.js";
import { field, html, nothing, toast } from "../../ui.js";

const FRESH_MS = 30_000;
const remembered = new Map();

// A list fetched at most every half minute while the user moves between tabs.
function memo(key, load) {
  const found = remembered.get(key);
  if (found && Date.now() - found.at < FRESH_MS) return found.value;
  const value = load().catch((error) => {
    remembered.delete(key);
    throw error;
  });
  remembered.set(key, { at: Date.now(), value });
  return value;
}

export const pipelines = () => memo("pipelines", () => everything("/pipelines"));

export async function userNames() {
  const users = await memo("users", () => everything("/users"));
  return new Map(users.map((user) => [user.id, user.full_name || user.username]));
}

export async function reasonNames() {
  const reasons = await memo("reasons", () => everything("/lost-reasons"));
  return new Map(reasons.map((reason) => [reason.id, reason.name]));
}

export async function stageNames() {
  const all = await pipelines();
  const names = new Map();
  for (const pipeline of all) {
    for (const stage of pipeline.stages) {
      names.set(stage.id, all.length > 1 ? `${stage.name} · ${pipeline.name}` : stage.name);
    }
  }
  return names;
}

const counterparties = new Map();

// Counterparty names by id, up to 500 in one request; one that is gone or hidden is "unknown".
export async function counterpartyNames(ids) {
  const wanted = [...new Set(ids.filter((id) => id && !counterparties.has(id)))];
  for (let start = 0; start < wanted.length; start += 500) {
    const chunk = wanted.slice(start, start + 500);
    const found = await get("/counterparties", { ids: chunk.join(","), page_size: 500 });
    for (const item of found.items) counterparties.set(item.id, item.name);
    for (const id of chunk) if (!counterparties.has(id)) counterparties.set(id, t("analytics.unknown_counterparty"));
  }
  return counterparties;
}

export const amount = (value) => Number(value || 0);

// Calendar days in the browser's own time zone, as the API wants them (YYYY-MM-DD).
export function isoDay(day) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

// Today on the reader's clock; a year ago the day after (a year of days); the first of a month.
export const today = () => calendarDay();

const utcDay = (year, month, day) => new Date(Date.UTC(year, month, day)).toISOString().slice(0, 10);

export function yearAgo() {
  const [year, month, day] = today().split("-").map(Number);
  return utcDay(year - 1, month - 1, day + 1);
}

export function monthsAgo(months) {
  const [year, month] = today().split("-").map(Number);
  return utcDay(year, month - 1 - months, 1);
}

export function dateFilters(from, to, change, { required = false } = {}) {
  const input = (name, value, label) => html`<label class="filter">
    <span>${label}</span>
    <input type="date" name=${name} .value=${value || ""} ?required=${required} max=${name === "from" ? to || nothing : nothing}
      min=${name === "to" ? from || nothing : nothing}
      @change=${(event) => change({ [name]: event.target.value })} />
  </label>`;
  return html`${input("from", from, t("analytics.from"))}${input("to", to, t("analytics.to"))}`;
}

export function selectFilter(label, name, value, options, change) {
  return html`<label class="filter"><span>${label}</span>
    <select name=${name} @change=${(event) => change({ [name]: event.target.value })}>
      ${options.map(([key, text]) => html`<option value=${key} ?selected=${String(key) === String(value)}>${text}</option>`)}
    </select></label>`;
}

export function pipelineFilter(all, current, change) {
  return selectFilter(
    t("analytics.pipeline"),
    "pipeline_id",
    current,
    all.map((pipeline) => [pipeline.id, pipeline.name]),
    change,
  );
}

export function exportButton(path, query, filename, disabled = false) {
  const save = async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      await download(path, query, filename);
    } catch (error) {
      toast(error.message || t("common.failed"), "bad");
    } finally {
      button.disabled = false;
    }
  };
  return html`<button class="export" ?disabled=${disabled} @click=${save}>
    <span aria-hidden="true">⤓</span> ${t("common.export_csv")}</button>`;
}

export function toolbar(filters, actions = nothing) {
  return html`<div class="an-toolbar"><div class="an-filters">${filters}</div><div class="an-actions">${actions}</div></div>`;
}

export function stat(label, value, hint = nothing, tone = "") {
  return html`<div class="stat ${tone}"><span class="stat-label">${label}</span>
    <strong class="stat-value">${value}</strong>${hint === nothing ? nothing : html`<small>${hint}</small>`}</div>`;
}

export function card(title, body, { subtitle = nothing, actions = nothing, wide = false } = {}) {
  return html`<section class="card an-card ${wide ? "wide" : ""}">
    <div class="an-card-head"><div><h2>${title}</h2>${subtitle === nothing ? nothing : html`<p class="muted">${subtitle}</p>`}</div>
      ${actions}</div>
    ${body}
  </section>`;
}

export function chartBox(id, label, height = 280) {
  return html`<div class="chart-box" style="height: ${height}px"><canvas id=${id} role="img" aria-label=${label}></canvas></div>`;
}

export function parameterOptions() {
  return ["revenue", "gross_profit", "quantity"].map((key) => [key, t(`analytics.parameter_${key}`)]);
}

// The fields that set a classification up, in the dialog that runs one (ABC/XYZ) and in its
// schedule (settings).
export function parameterField(values, errors) {
  return field({
    label: t("analytics.parameter"),
    name: "parameter",
    value: values.parameter,
    options: parameterOptions(),
    required: true,
    error: errors.parameter,
  });
}

export function xyzPeriodField(values, errors) {
  return field({
    label: t("analytics.xyz_period"),
    name: "xyz_period",
    value: values.xyz_period,
    options: [["month", t("analytics.xyz_period_month")], ["quarter", t("analytics.xyz_period_quarter")]],
    required: true,
    error: errors.xyz_period,
  });
}

const LIMIT_LABELS = {
  abc_limits: ["analytics.limit_a", "analytics.limit_b"],
  xyz_limits: ["analytics.limit_x", "analytics.limit_y"],
};

// The two limits of "abc_limits" or "xyz_limits" in percent; the API's message about the pair as
// a whole is shown under the first.
export function limitFields(name, limits, errors) {
  return LIMIT_LABELS[name].map((label, i) =>
    field({
      label: t(label),
      name: `${name}.${i}`,
      type: "number",
      value: limits[i],
      required: true,
      attrs: { step: "0.1", min: 0, max: 100 },
      error: errors[`${name}.${i}`] || (i === 0 ? errors[name] : undefined),
    }),
  );
}
