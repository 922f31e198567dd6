// BCG of the customer base: each customer's share of the window's sales against its growth over
// the equal window before, in four quadrants.
import { get } from "../../api.js";
import { money, number, percent, t } from "../../i18n.js";
import { badge, emptyState, html, nothing, render } from "../../ui.js";
import { colours, drawChart } from "./charts.js";
import {
  card,
  chartBox,
  counterpartyNames,
  dateFilters,
  exportButton,
  parameterOptions,
  selectFilter,
  stat,
  today,
  toolbar,
  yearAgo,
} from "./shared.js";

const QUADRANTS = ["star", "cash_cow", "question", "dog"];
const TONES = { star: "warn", cash_cow: "good", question: "info", dog: "" };

function quadrantColours() {
  const palette = colours();
  return { star: "#f59e0b", cash_cow: palette.good, question: palette.accent, dog: "#98a2b3" };
}

export async function show(root, { query, alive, change }) {
  const window = {
    parameter: query.parameter || "revenue",
    period_from: query.from || yearAgo(),
    period_to: query.to || today(),
  };
  const report = await get("/analytics/bcg", window);
  const names = await counterpartyNames(report.items.map((row) => row.counterparty_id));
  if (!alive()) return;
  const rows = report.items
    .map((row) => ({ ...row, name: names.get(row.counterparty_id) || t("analytics.unknown_counterparty") }))
    .sort((a, b) => b.value - a.value);
  const value = (amount) => (window.parameter === "quantity" ? number(amount, 2) : money(amount));
  render(
    html`${toolbar(
      html`${selectFilter(t("analytics.parameter"), "parameter", window.parameter, parameterOptions(), change)}
        ${dateFilters(window.period_from, window.period_to, change, { required: true })}`,
      exportButton("/analytics/bcg", window, `bcg-${window.period_from}-${window.period_to}.csv`, !rows.length),
    )}
    ${rows.length
      ? content(rows, value)
      : html`<div class="card">${emptyState(t("analytics.bcg_empty"), t("analytics.bcg_empty_hint"))}</div>`}`,
    root,
  );
  if (rows.length) drawScatter(root, rows, value);
}

function content(rows, value) {
  const counts = Object.fromEntries(QUADRANTS.map((q) => [q, rows.filter((row) => row.quadrant === q).length]));
  const fresh = rows.filter((row) => row.growth === null).length;
  return html`<div class="stats">
      ${QUADRANTS.map((q) => stat(t(`analytics.quadrant_${q}`), number(counts[q]), t(`analytics.quadrant_${q}_hint`), `quadrant-${q}`))}
    </div>
    ${card(t("analytics.bcg_chart"), chartBox("chart-bcg", t("analytics.bcg_chart"), 380), {
      subtitle: fresh ? t("analytics.bcg_chart_hint_new", { n: number(fresh) }) : t("analytics.bcg_chart_hint"),
      wide: true,
    })}
    ${card(
      t("analytics.customers"),
      html`<div class="table-wrap flat"><table class="bcg">
        <thead><tr>
          <th>${t("analytics.counterparty")}</th>
          <th class="num">${t("analytics.value")}</th>
          <th class="num">${t("analytics.previous_value")}</th>
          <th class="num">${t("analytics.share")}</th>
          <th class="num">${t("analytics.growth")}</th>
          <th>${t("analytics.quadrant")}</th>
        </tr></thead>
        <tbody>${rows.map(
          (row) => html`<tr data-counterparty=${row.name}>
            <td><a href="#/counterparties/${row.counterparty_id}">${row.name}</a></td>
            <td class="num">${value(row.value)}</td>
            <td class="num">${value(row.previous_value)}</td>
            <td class="num">${percent(row.share, 1)}</td>
            <td class="num">${row.growth === null ? badge(t("analytics.new_customer"), "info") : signed(row.growth)}</td>
            <td>${badge(t(`analytics.quadrant_${row.quadrant}`), TONES[row.quadrant])}</td>
          </tr>`,
        )}</tbody>
      </table></div>`,
      { wide: true },
    )}`;
}

function signed(ratio) {
  const text = percent(ratio, 1);
  return html`<span class=${ratio > 0 ? "up" : ratio < 0 ? "down" : ""}>${ratio > 0 ? "+" : ""}${text}</span>`;
}

// The lines that split the quadrants (the average share; the growth of the whole base) and
// the quadrants' names in their corners.
function quadrantPlugin(xLine, yLine) {
  return {
    id: "quadrants",
    beforeDatasetsDraw(chart) {
      const { ctx, chartArea: area, scales } = chart;
      const palette = colours();
      const x = scales.x.getPixelForValue(xLine);
      const y = yLine === null ? null : scales.y.getPixelForValue(yLine);
      ctx.save();
      ctx.strokeStyle = palette.muted;
      ctx.setLineDash([5, 4]);
      ctx.lineWidth = 1;
      if (x >= area.left && x <= area.right) {
        ctx.beginPath();
        ctx.moveTo(x, area.top);
        ctx.lineTo(x, area.bottom);
        ctx.stroke();
      }
      if (y !== null && y >= area.top && y <= area.bottom) {
        ctx.beginPath();
        ctx.moveTo(area.left, y);
        ctx.lineTo(area.right, y);
        ctx.stroke();
      }
      const tint = quadrantColours();
      ctx.font = `600 12px ${chart.options.font?.family || "sans-serif"}`;
      const corner = (quadrant, left, top) => {
        ctx.fillStyle = tint[quadrant];
        ctx.textAlign = left ? "left" : "right";
        ctx.textBaseline = top ? "top" : "bottom";
        ctx.fillText(t(`analytics.quadrant_${quadrant}`), left ? area.left + 8 : area.right - 8, top ? area.top + 6 : area.bottom - 6);
      };
      corner("question", true, true);
      corner("star", false, true);
      corner("dog", true, false);
      corner("cash_cow", false, false);
      ctx.restore();
    },
  };
}

function drawScatter(root, rows, value) {
  const tint = quadrantColours();
  const measured = rows.filter((row) => row.growth !== null);
  const selling = rows.filter((row) => row.value > 0).length || 1;
  const now = rows.reduce((sum, row) => sum + row.value, 0);
  const before = rows.reduce((sum, row) => sum + row.previous_value, 0);
  // Relative share: the customer's share against the average customer's, so 1× splits the quadrants.
  const xLine = 1;
  const yLine = before > 0 ? ((now - before) / before) * 100 : null;
  drawChart(root.querySelector("#chart-bcg"), {
    type: "scatter",
    data: {
      datasets: QUADRANTS.map((quadrant) => ({
        label: t(`analytics.quadrant_${quadrant}`),
        data: measured
          .filter((row) => row.quadrant === quadrant)
          .map((row) => ({ x: row.share * selling, y: row.growth * 100, row })),
        backgroundColor: tint[quadrant],
        borderColor: "#fff",
        borderWidth: 1,
        pointRadius: 7,
        pointHoverRadius: 9,
      })),
    },
    options: {
      layout: { padding: { top: 4, right: 8 } },
      plugins: {
        tooltip: {
          callbacks: {
            title: (items) => items[0].raw.row.name,
            label: (item) => {
              const { row } = item.raw;
              return [
                `${t("analytics.value")}: ${value(row.value)}`,
                `${t("analytics.share")}: ${percent(row.share, 1)} (${number(row.share * selling, 2)}×)`,
                `${t("analytics.growth")}: ${percent(row.growth, 1)}`,
              ];
            },
          },
        },
      },
      scales: {
        x: {
          beginAtZero: true,
          suggestedMax: Math.max(2, ...measured.map((row) => row.share * selling)) * 1.08,
          title: { display: true, text: t("analytics.share_axis") },
          ticks: { callback: (v) => `${number(v, 1)}×` },
        },
        y: {
          title: { display: true, text: t("analytics.growth_axis") },
          grace: "10%",
          ticks: { callback: (v) => `${number(v)} %` },
        },
      },
    },
    plugins: [quadrantPlugin(xLine, yLine)],
  });
}
