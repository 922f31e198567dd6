// Lost deals by reason, stage, competitor or owner, and failed customer orders by reason or
// counterparty: what is lost, how often and for how much.
import { get } from "../../api.js";
import { money, number, percent, t } from "../../i18n.js";
import { emptyState, html, nothing, render } from "../../ui.js";
import { colours, drawChart, sidewaysBars } from "./charts.js";
import {
  card,
  chartBox,
  counterpartyNames,
  dateFilters,
  exportButton,
  reasonNames,
  selectFilter,
  stageNames,
  toolbar,
  userNames,
} from "./shared.js";

const DEAL_GROUPS = ["reason", "stage", "competitor", "owner"];
const ORDER_GROUPS = ["reason", "counterparty"];

// The names behind the keys of a grouped report; an unknown key is a name the ERP sent itself.
async function namesFor(groupBy, rows) {
  const keys = rows.map((row) => row.key).filter(Boolean);
  if (groupBy === "reason") return reasonNames();
  if (groupBy === "stage") return stageNames();
  if (groupBy === "owner") return userNames();
  return counterpartyNames(keys);
}

function named(groupBy, rows, names) {
  return rows.map((row) => ({
    ...row,
    name: row.key === null || row.key === undefined ? t(`analytics.no_${groupBy}`) : names.get(row.key) || (groupBy === "reason" ? row.key : t("analytics.unknown")),
  }));
}

export async function show(root, { query, alive, change }) {
  const window = { from: query.from || "", to: query.to || "" };
  const dealsBy = DEAL_GROUPS.includes(query.by) ? query.by : "reason";
  const ordersBy = ORDER_GROUPS.includes(query.orders_by) ? query.orders_by : "reason";
  const [deals, orders] = await Promise.all([
    get("/analytics/lost-deals", { group_by: dealsBy, ...window }),
    get("/analytics/orders/failures", { group_by: ordersBy, ...window }),
  ]);
  const [dealNames, orderNames] = await Promise.all([namesFor(dealsBy, deals.items), namesFor(ordersBy, orders.items)]);
  if (!alive()) return;
  const lost = named(dealsBy, deals.items, dealNames).sort((a, b) => b.count - a.count);
  const failed = named(ordersBy, orders.items, orderNames).sort((a, b) => b.count - a.count);
  render(
    html`${toolbar(html`${dateFilters(window.from, window.to, change)}<span class="muted an-hint">${t("analytics.window_hint")}</span>`)}
    ${card(
      t("analytics.lost_deals"),
      lost.length
        ? html`<div class="an-chart-table">
            ${chartBox("chart-lost", t("analytics.lost_deals"), Math.max(200, lost.length * 38 + 40))}
            ${groupTable(lost, dealsBy, true)}
          </div>`
        : emptyState(t("analytics.lost_empty"), t("analytics.lost_empty_hint")),
      {
        subtitle: t("analytics.lost_deals_hint"),
        wide: true,
        actions: html`<div class="row">
          ${selectFilter(t("analytics.group_by"), "by", dealsBy, DEAL_GROUPS.map((key) => [key, t(`analytics.by_${key}`)]), change)}
          ${exportButton("/analytics/lost-deals", { group_by: dealsBy, ...window }, `lost-deals-by-${dealsBy}.csv`, !lost.length)}
        </div>`,
      },
    )}
    ${card(
      t("analytics.failed_orders"),
      html`${failed.length
        ? groupTable(failed, ordersBy, false)
        : emptyState(t("analytics.failed_empty"), t("analytics.failed_empty_hint"))}
        ${orders.internal_orders ? html`<p class="an-note">${t("analytics.internal_orders", { n: number(orders.internal_orders) })}</p>` : nothing}`,
      {
        subtitle: t("analytics.failed_orders_hint"),
        wide: true,
        actions: html`<div class="row">
          ${selectFilter(t("analytics.group_by"), "orders_by", ordersBy, ORDER_GROUPS.map((key) => [key, t(`analytics.by_${key}`)]), change)}
          ${exportButton("/analytics/orders/failures", { group_by: ordersBy, ...window }, `failed-orders-by-${ordersBy}.csv`, !failed.length)}
        </div>`,
      },
    )}`,
    root,
  );
  if (lost.length) drawLost(root, lost);
}

function groupTable(rows, groupBy, withAmount) {
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  const amount = rows.reduce((sum, row) => sum + Number(row.amount || 0), 0);
  return html`<div class="table-wrap flat"><table class="grouped">
    <thead><tr>
      <th>${t(`analytics.by_${groupBy}`)}</th>
      <th class="num">${t("analytics.count")}</th>
      <th class="num">${t("analytics.share_of_count")}</th>
      ${withAmount ? html`<th class="num">${t("analytics.amount")}</th>` : nothing}
    </tr></thead>
    <tbody>${rows.map(
      (row) => html`<tr data-key=${row.name}>
        <td>${row.key === null || row.key === undefined ? html`<span class="muted">${row.name}</span>` : row.name}</td>
        <td class="num count">${number(row.count)}</td>
        <td class="num">${percent(total ? row.count / total : null)}</td>
        ${withAmount ? html`<td class="num">${money(row.amount)}</td>` : nothing}
      </tr>`,
    )}</tbody>
    <tfoot><tr><th scope="row">${t("common.total")}</th><td class="num">${number(total)}</td><td></td>
      ${withAmount ? html`<td class="num">${money(amount)}</td>` : nothing}</tr></tfoot>
  </table></div>`;
}

function drawLost(root, rows) {
  const palette = colours();
  drawChart(root.querySelector("#chart-lost"), {
    type: "bar",
    data: {
      labels: rows.map((row) => row.name),
      datasets: [
        {
          label: t("analytics.count"),
          data: rows.map((row) => row.count),
          backgroundColor: palette.bad,
          borderRadius: 4,
          maxBarThickness: 28,
        },
      ],
    },
    options: sidewaysBars((i) => [t("analytics.deals_n", { n: number(rows[i].count) }), money(rows[i].amount)], {
      x: { beginAtZero: true, ticks: { precision: 0 } },
      y: { grid: { display: false }, ticks: { color: palette.ink } },
    }),
  });
}
