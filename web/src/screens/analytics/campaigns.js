// Campaigns: what each brought — responses, deals, wins, invoiced revenue against its cost.
import { everything, get } from "../../api.js";
import { money, number, percent, t } from "../../i18n.js";
import { emptyState, html, render } from "../../ui.js";
import { colours, drawChart } from "./charts.js";
import { amount, card, chartBox, exportButton, stat, toolbar } from "./shared.js";

export async function show(root, { alive }) {
  const [report, campaigns] = await Promise.all([get("/analytics/campaigns"), everything("/campaigns")]);
  if (!alive()) return;
  const known = new Map(campaigns.map((campaign) => [campaign.id, campaign]));
  const rows = report.items
    .map((row) => ({ ...row, currency: known.get(row.campaign_id)?.currency || undefined, channel: known.get(row.campaign_id)?.channel }))
    .sort((a, b) => amount(b.revenue) - amount(a.revenue));
  render(
    html`${toolbar(
      html`<p class="an-lead">${t("analytics.campaigns_lead")}</p>`,
      exportButton("/analytics/campaigns", {}, "campaigns.csv", !rows.length),
    )}
    ${rows.length
      ? content(rows)
      : html`<div class="card">${emptyState(t("analytics.campaigns_empty"), t("analytics.campaigns_empty_hint"))}</div>`}`,
    root,
  );
  if (rows.length) drawReturns(root, rows);
}

function signed(ratio) {
  if (ratio === null || ratio === undefined) return "—";
  return html`<span class=${ratio > 0 ? "up" : ratio < 0 ? "down" : ""}>${ratio > 0 ? "+" : ""}${percent(ratio)}</span>`;
}

function content(rows) {
  const revenue = rows.reduce((sum, row) => sum + amount(row.revenue), 0);
  const cost = rows.reduce((sum, row) => sum + amount(row.cost), 0);
  const responses = rows.reduce((sum, row) => sum + row.responses, 0);
  const won = rows.reduce((sum, row) => sum + row.won, 0);
  return html`<div class="stats">
      ${stat(t("analytics.responses"), number(responses))}
      ${stat(t("analytics.won"), number(won))}
      ${stat(t("analytics.revenue"), money(revenue))}
      ${stat(t("analytics.roi"), cost ? signed((revenue - cost) / cost) : "—", t("analytics.cost_is", { cost: money(cost) }))}
    </div>
    ${card(
      t("analytics.revenue_and_cost"),
      chartBox("chart-campaigns", t("analytics.revenue_and_cost"), Math.max(200, rows.length * 56 + 70)),
      { wide: true },
    )}
    ${card(
      t("analytics.campaign_results"),
      html`<div class="table-wrap flat"><table class="campaigns">
        <thead><tr>
          <th>${t("analytics.campaign")}</th>
          <th class="num">${t("analytics.responses")}</th>
          <th class="num">${t("analytics.deals")}</th>
          <th class="num">${t("analytics.won")}</th>
          <th class="num">${t("analytics.revenue")}</th>
          <th class="num">${t("analytics.cost")}</th>
          <th class="num" title=${t("analytics.roi_hint")}>${t("analytics.roi")}</th>
          <th class="num" title=${t("analytics.acquisition_hint")}>${t("analytics.acquisition_rate")}</th>
        </tr></thead>
        <tbody>${rows.map(
          (row) => html`<tr data-campaign=${row.name}>
            <th scope="row">${row.name}${row.channel ? html`<small class="muted channel">${row.channel}</small>` : ""}</th>
            <td class="num">${number(row.responses)}</td>
            <td class="num">${number(row.deals)}</td>
            <td class="num">${number(row.won)}</td>
            <td class="num">${money(row.revenue, row.currency)}</td>
            <td class="num">${money(row.cost, row.currency)}</td>
            <td class="num">${signed(row.roi)}</td>
            <td class="num">${percent(row.acquisition_rate)}</td>
          </tr>`,
        )}</tbody>
      </table></div>`,
      { subtitle: t("analytics.campaign_results_hint"), wide: true },
    )}`;
}

function drawReturns(root, rows) {
  const palette = colours();
  drawChart(root.querySelector("#chart-campaigns"), {
    type: "bar",
    data: {
      labels: rows.map((row) => row.name),
      datasets: [
        { label: t("analytics.revenue"), data: rows.map((row) => amount(row.revenue)), backgroundColor: palette.good },
        { label: t("analytics.cost"), data: rows.map((row) => amount(row.cost)), backgroundColor: "#f97316" },
      ].map((set) => ({ ...set, borderRadius: 3, maxBarThickness: 22 })),
    },
    options: {
      indexAxis: "y",
      plugins: {
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${money(item.raw, rows[item.dataIndex].currency)}` } },
      },
      scales: {
        x: { beginAtZero: true, ticks: { callback: (value) => money(value), maxTicksLimit: 6 } },
        y: { grid: { display: false }, ticks: { color: palette.ink } },
      },
    },
  });
}
