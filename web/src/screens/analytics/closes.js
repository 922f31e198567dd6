// The plan of closes: the open deals expected to close in a window (today and the 90 days after
// it unless chosen), month by month: how many, for how much, and weighted by their probability.
import "../reports.css";
import { everything } from "../../api.js";
import { date, money, month, number, percent, t } from "../../i18n.js";
import { emptyState, html, nothing, render } from "../../ui.js";
import { colours, drawChart } from "./charts.js";
import {
  amount,
  card,
  chartBox,
  counterpartyNames,
  dateFilters,
  exportButton,
  isoDay,
  pipelines,
  selectFilter,
  stageNames,
  stat,
  today,
  toolbar,
  userNames,
} from "./shared.js";

export const label = "reports.tab_closes";

const AHEAD_DAYS = 90;

function daysAhead(from, days) {
  const day = new Date(`${from}T00:00:00`);
  day.setDate(day.getDate() + days);
  return isoDay(day);
}

export async function show(root, { query, alive, change }) {
  const from = query.from || today();
  const window = { from, to: query.to || daysAhead(from, AHEAD_DAYS) };
  const filters = Object.fromEntries(["pipeline_id", "owner_id"].filter((name) => query[name]).map((name) => [name, query[name]]));
  const asked = { ...window, ...filters };
  const [found, all, owners, stages] = await Promise.all([everything("/analytics/closing-plan", asked), pipelines(), userNames(), stageNames()]);
  const parties = await counterpartyNames(found.map((row) => row.counterparty_id));
  if (!alive()) return;
  const rows = found.map((row) => ({
    ...row,
    stage: stages.get(row.stage_id) || t("analytics.unknown"),
    owner: row.owner_id ? owners.get(row.owner_id) || t("analytics.unknown") : t("analytics.no_owner"),
    party: parties.get(row.counterparty_id),
  }));
  const months = byMonth(rows, window);
  const choices = (all, name) => [["", t(name)], ...all];
  render(
    html`${toolbar(
      html`${dateFilters(window.from, window.to, change, { required: true })}
        ${selectFilter(t("analytics.pipeline"), "pipeline_id", query.pipeline_id || "", choices(all.map((p) => [p.id, p.name]), "analytics.all_pipelines"), change)}
        ${selectFilter(t("reports.owner"), "owner_id", query.owner_id || "", choices([...owners], "reports.every_owner"), change)}`,
      exportButton("/analytics/closing-plan", asked, `closing-plan-${window.from}-${window.to}.csv`, !rows.length),
    )}
    ${rows.length
      ? content(rows, months)
      : html`<div class="card">${emptyState(t("reports.closes_empty"), t("reports.closes_empty_hint"))}</div>`}`,
    root,
  );
  if (rows.length) drawMonths(root, months);
}

// Every month of the window (YYYY-MM), the first to the last.
function monthsOf({ from, to }) {
  const months = [];
  for (let day = new Date(`${from.slice(0, 7)}-01T00:00:00`); isoDay(day) <= to; day.setMonth(day.getMonth() + 1)) {
    months.push(isoDay(day).slice(0, 7));
  }
  return months;
}

// Each month of the window with the deals expected to close in it, soonest first as the API
// orders them; a month without any is there too, empty, so that the chart shows the gap.
function byMonth(rows, window) {
  const months = new Map(monthsOf(window).map((key) => [key, { month: key, rows: [], amount: 0, weighted: 0 }]));
  for (const row of rows) {
    const entry = months.get(String(row.expected_close_date).slice(0, 7));
    if (!entry) continue;
    entry.rows.push(row);
    entry.amount += amount(row.amount);
    entry.weighted += amount(row.weighted_amount);
  }
  return [...months.values()];
}

function content(rows, months) {
  const total = months.reduce((sum, entry) => sum + entry.amount, 0);
  const weighted = months.reduce((sum, entry) => sum + entry.weighted, 0);
  const first = months.find((entry) => entry.rows.length);
  return html`<div class="stats">
      ${stat(t("reports.planned_deals"), number(rows.length))}
      ${stat(t("analytics.amount"), money(total))}
      ${stat(t("analytics.weighted_amount"), money(weighted), t("analytics.weighted_hint"))}
      ${stat(t("reports.first_month"), month(first.month), t("reports.deals_for", { n: number(first.rows.length), amount: money(first.amount) }))}
    </div>
    ${card(t("reports.closes_by_month"), chartBox("chart-closes", t("reports.closes_by_month"), 260), { subtitle: t("reports.closes_by_month_hint"), wide: true })}
    ${months.filter((entry) => entry.rows.length).map((entry) => monthCard(entry))}`;
}

function monthCard(entry) {
  return html`<section class="card an-card wide rp-month" data-month=${entry.month}>
    <div class="an-card-head"><h2>${month(entry.month)}</h2>
      <p class="rp-month-sum">${t("reports.deals_for", { n: number(entry.rows.length), amount: money(entry.amount) })}
        · ${t("reports.weighted_is", { amount: money(entry.weighted) })}</p></div>
    <div class="table-wrap flat"><table class="closes">
      <thead><tr>
        <th>${t("reports.deal")}</th>
        <th>${t("reports.expected_close")}</th>
        <th>${t("analytics.stage")}</th>
        <th>${t("reports.owner")}</th>
        <th class="num">${t("analytics.probability")}</th>
        <th class="num">${t("analytics.amount")}</th>
        <th class="num">${t("analytics.weighted_amount")}</th>
      </tr></thead>
      <tbody>${entry.rows.map(
        (row) => html`<tr data-deal=${row.deal_id}>
          <th scope="row"><a href="#/deals/${row.deal_id}">${row.title}</a>${row.party ? html`<small class="rp-party">${row.party}</small>` : nothing}</th>
          <td class="close">${date(row.expected_close_date)}</td>
          <td>${row.stage}</td>
          <td>${row.owner}</td>
          <td class="num">${percent(row.probability / 100)}</td>
          <td class="num amount">${money(row.amount)}</td>
          <td class="num weighted">${money(row.weighted_amount)}</td>
        </tr>`,
      )}</tbody>
    </table></div>
  </section>`;
}

function drawMonths(root, months) {
  const palette = colours();
  const series = [
    ["amount", t("analytics.amount"), palette.accentSoft],
    ["weighted", t("analytics.weighted_amount"), palette.good],
  ];
  drawChart(root.querySelector("#chart-closes"), {
    type: "bar",
    data: {
      labels: months.map((entry) => month(entry.month)),
      datasets: series.map(([key, text, colour]) => ({
        label: text,
        data: months.map((entry) => entry[key]),
        backgroundColor: colour,
        borderRadius: 4,
        maxBarThickness: 48,
      })),
    },
    options: {
      plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${money(item.raw)}` } } },
      scales: {
        x: { grid: { display: false } },
        y: { beginAtZero: true, ticks: { callback: (value) => money(value), maxTicksLimit: 6 } },
      },
    },
  });
}
