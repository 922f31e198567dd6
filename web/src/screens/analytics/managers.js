// Managers: each owner's sales, discounts, fulfilled orders, contacts, data completeness and wins.
import { get } from "../../api.js";
import { money, number, percent, t } from "../../i18n.js";
import { emptyState, html, render } from "../../ui.js";
import { colours, drawChart } from "./charts.js";
import { amount, card, chartBox, dateFilters, exportButton, stat, today, toolbar, userNames, yearAgo } from "./shared.js";

const active = (row) =>
  amount(row.revenue) !== 0 || row.orders_fulfilled || row.contacts || row.deals_won || row.win_rate !== null;

export async function show(root, { query, alive, change }) {
  const window = { from: query.from || yearAgo(), to: query.to || today() };
  const [report, names] = await Promise.all([get("/analytics/managers", window), userNames()]);
  if (!alive()) return;
  const rows = report.items
    .filter(active)
    .map((row) => ({ ...row, name: row.owner_id ? names.get(row.owner_id) || t("analytics.unknown") : t("analytics.no_owner") }))
    .sort((a, b) => amount(b.revenue) - amount(a.revenue));
  render(
    html`${toolbar(
      dateFilters(window.from, window.to, change, { required: true }),
      exportButton("/analytics/managers", window, `managers-${window.from}-${window.to}.csv`, !rows.length),
    )}
    ${rows.length ? content(rows) : html`<div class="card">${emptyState(t("analytics.managers_empty"), t("analytics.managers_empty_hint"))}</div>`}`,
    root,
  );
  if (rows.length) drawRevenue(root, rows);
}

function content(rows) {
  const revenue = rows.reduce((sum, row) => sum + amount(row.revenue), 0);
  const profit = rows.reduce((sum, row) => sum + amount(row.gross_profit), 0);
  const won = rows.reduce((sum, row) => sum + row.deals_won, 0);
  const contacts = rows.reduce((sum, row) => sum + row.contacts, 0);
  return html`<div class="stats">
      ${stat(t("analytics.revenue"), money(revenue))}
      ${stat(t("analytics.gross_profit"), money(profit), t("analytics.margin_is", { rate: percent(revenue ? profit / revenue : null, 1) }))}
      ${stat(t("analytics.deals_won"), number(won))}
      ${stat(t("analytics.contacts"), number(contacts), t("analytics.contacts_hint"))}
    </div>
    ${card(t("analytics.revenue_by_manager"), chartBox("chart-managers", t("analytics.revenue_by_manager"), Math.max(220, rows.length * 52 + 60)), { wide: true })}
    ${card(
      t("analytics.manager_kpis"),
      html`<div class="table-wrap flat"><table class="managers">
        <thead><tr>
          <th>${t("analytics.manager")}</th>
          <th class="num">${t("analytics.revenue")}</th>
          <th class="num">${t("analytics.gross_profit")}</th>
          <th class="num" title=${t("analytics.discount_ratio_hint")}>${t("analytics.discount_ratio")}</th>
          <th class="num">${t("analytics.orders_fulfilled")}</th>
          <th class="num">${t("analytics.contacts")}</th>
          <th class="num" title=${t("analytics.completeness_hint")}>${t("analytics.completeness")}</th>
          <th class="num">${t("analytics.deals_won")}</th>
          <th class="num">${t("analytics.win_rate")}</th>
        </tr></thead>
        <tbody>${rows.map(
          (row) => html`<tr data-manager=${row.name}>
            <th scope="row">${row.owner_id ? row.name : html`<span class="muted">${row.name}</span>`}</th>
            <td class="num revenue">${money(row.revenue)}</td>
            <td class="num">${money(row.gross_profit)}</td>
            <td class="num">${percent(row.discount_ratio, 1)}</td>
            <td class="num">${number(row.orders_fulfilled)}</td>
            <td class="num">${number(row.contacts)}</td>
            <td class="num">${percent(row.completeness)}</td>
            <td class="num">${number(row.deals_won)}</td>
            <td class="num">${percent(row.win_rate)}</td>
          </tr>`,
        )}</tbody>
      </table></div>`,
      { subtitle: t("analytics.manager_kpis_hint"), wide: true },
    )}`;
}

function drawRevenue(root, rows) {
  const palette = colours();
  drawChart(root.querySelector("#chart-managers"), {
    type: "bar",
    data: {
      labels: rows.map((row) => row.name),
      datasets: [
        { label: t("analytics.revenue"), data: rows.map((row) => amount(row.revenue)), backgroundColor: palette.accent },
        { label: t("analytics.gross_profit"), data: rows.map((row) => amount(row.gross_profit)), backgroundColor: palette.good },
      ].map((set) => ({ ...set, borderRadius: 3, maxBarThickness: 22 })),
    },
    options: {
      indexAxis: "y",
      plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${money(item.raw)}` } } },
      scales: {
        x: { beginAtZero: true, ticks: { callback: (value) => money(value), maxTicksLimit: 6 } },
        y: { grid: { display: false }, ticks: { color: palette.ink } },
      },
    },
  });
}
