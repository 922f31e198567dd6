// Funnel & forecast: how many deals of a pipeline reached each stage, what is open where, and
// the weighted amount expected to close month by month.
import { ApiError, get } from "../../api.js";
import { money, month, number, percent, t } from "../../i18n.js";
import { emptyState, html, nothing, render } from "../../ui.js";
import { choiceFilters, choiceNames, choiceQuery } from "../deals-shared.js";
import { colours, drawChart, sidewaysBars } from "./charts.js";
import {
  amount,
  card,
  chartBox,
  dateFilters,
  exportButton,
  pipelineFilter,
  pipelines,
  stat,
  toolbar,
} from "./shared.js";

// A pipeline created a moment ago may not have reached the analytics yet (404): it has no deals.
export async function unlessUnknown(request, blank) {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return blank();
    throw error;
  }
}

export function noPipelines() {
  return html`<div class="card">${emptyState(
    t("analytics.no_pipelines"),
    t("analytics.no_pipelines_hint"),
    html`<a class="an-link-button" href="#/board">${t("analytics.open_pipeline")}</a>`,
  )}</div>`;
}

export async function show(root, { query, alive, change }) {
  const [all, choices] = await Promise.all([pipelines(), choiceNames()]);
  if (!alive()) return;
  if (!all.length) return render(noPipelines(), root);
  const pipeline = all.find((item) => item.id === query.pipeline_id) || all[0];
  const window = { from: query.from || "", to: query.to || "" };
  const chosen = choiceQuery(query);
  const csvQuery = { pipeline_id: pipeline.id, ...window, ...chosen };
  const report = await unlessUnknown(get("/analytics/funnel", csvQuery), () => ({
    stages: pipeline.stages.map((stage) => ({ stage_id: stage.id, name: stage.name, count: 0, open: 0, amount: "0", weighted_amount: "0", conversion: null })),
    forecast: [],
    deals: 0,
    won: 0,
    lost: 0,
    win_rate: null,
  }));
  if (!alive()) return;
  render(
    html`${toolbar(
      html`${pipelineFilter(all, pipeline.id, change)}${dateFilters(window.from, window.to, change)}${choiceFilters(choices, chosen, change)}`,
      exportButton("/analytics/funnel", csvQuery, `funnel-${pipeline.name}.csv`, !report.deals),
    )}
    ${report.deals ? content(report, pipeline) : empty(report, pipeline, { ...window, ...chosen })}`,
    root,
  );
  if (report.deals) drawCharts(root, report);
}

// No deals: what fills the funnel, and the stages it will count them in.
function empty(report, pipeline, window) {
  const filtered = Object.values(window).some(Boolean);
  return html`<div class="card">${emptyState(
      t(filtered ? "analytics.funnel_empty_window" : "analytics.funnel_empty"),
      t(filtered ? "analytics.funnel_empty_window_hint" : "analytics.funnel_empty_hint"),
    )}</div>
    ${card(t("analytics.stages_of", { pipeline: pipeline.name }), stageTable(report, pipeline, totals(report)), { wide: true })}`;
}

function totals(report) {
  return {
    open: report.stages.reduce((sum, stage) => sum + stage.open, 0),
    weighted: report.stages.reduce((sum, stage) => sum + amount(stage.weighted_amount), 0),
    total: report.stages.reduce((sum, stage) => sum + amount(stage.amount), 0),
  };
}

function content(report, pipeline) {
  const { open, weighted, total } = totals(report);
  return html`<div class="stats">
      ${stat(t("analytics.deals"), number(report.deals), t("analytics.deals_hint"))}
      ${stat(t("analytics.open_deals"), number(open), money(total))}
      ${stat(t("analytics.weighted_pipeline"), money(weighted), t("analytics.weighted_hint"))}
      ${stat(
        t("analytics.win_rate"),
        percent(report.win_rate),
        t("analytics.won_lost", { won: number(report.won), lost: number(report.lost) }),
        "good",
      )}
    </div>
    <div class="an-grid">
      ${card(t("analytics.funnel_chart"), chartBox("chart-funnel", t("analytics.funnel_chart")), {
        subtitle: t("analytics.funnel_chart_hint"),
      })}
      ${card(
        t("analytics.forecast"),
        report.forecast.length
          ? chartBox("chart-forecast", t("analytics.forecast"))
          : html`<p class="an-note">${t("analytics.forecast_empty")}</p>`,
        { subtitle: t("analytics.forecast_hint") },
      )}
    </div>
    ${card(t("analytics.stages_of", { pipeline: pipeline.name }), stageTable(report, pipeline, { open, weighted, total }), {
      wide: true,
    })}`;
}

function stageTable(report, pipeline, totals) {
  const probability = new Map(pipeline.stages.map((stage) => [stage.id, stage.probability]));
  return html`<div class="table-wrap flat"><table class="funnel">
    <thead><tr>
      <th>${t("analytics.stage")}</th>
      <th class="num">${t("analytics.probability")}</th>
      <th class="num" title=${t("analytics.reached_hint")}>${t("analytics.reached")}</th>
      <th class="num">${t("analytics.open_now")}</th>
      <th class="num">${t("analytics.amount")}</th>
      <th class="num">${t("analytics.weighted_amount")}</th>
      <th title=${t("analytics.conversion_hint")}>${t("analytics.conversion")}</th>
    </tr></thead>
    <tbody>${report.stages.map(
      (stage) => html`<tr data-stage=${stage.name}>
        <th scope="row">${stage.name}</th>
        <td class="num muted">${probability.has(stage.stage_id) ? percent(probability.get(stage.stage_id) / 100) : "—"}</td>
        <td class="num count">${number(stage.count)}</td>
        <td class="num open">${number(stage.open)}</td>
        <td class="num">${money(stage.amount)}</td>
        <td class="num">${money(stage.weighted_amount)}</td>
        <td class="conversion">${meter(stage.conversion)}</td>
      </tr>`,
    )}</tbody>
    <tfoot><tr>
      <th scope="row">${t("common.total")}</th><td></td>
      <td class="num">${number(report.deals)}</td>
      <td class="num">${number(totals.open)}</td>
      <td class="num">${money(totals.total)}</td>
      <td class="num">${money(totals.weighted)}</td>
      <td class="muted">${t("analytics.win_rate")}: ${percent(report.win_rate)}</td>
    </tr></tfoot>
  </table></div>`;
}

export function meter(ratio) {
  if (ratio === null || ratio === undefined) return html`<span class="muted">—</span>`;
  const width = Math.max(0, Math.min(100, ratio * 100));
  return html`<span class="meter"><span class="meter-bar"><span style="width: ${width}%"></span></span>
    <span class="meter-value">${percent(ratio)}</span></span>`;
}

// Each bar's count written on it (or beside it when the bar is too narrow).
const countLabels = {
  id: "countLabels",
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    const meta = chart.getDatasetMeta(0);
    ctx.save();
    ctx.font = `600 12px ${chart.options.font?.family || "sans-serif"}`;
    ctx.textBaseline = "middle";
    ctx.textAlign = "center";
    meta.data.forEach((bar, index) => {
      const value = chart.data.datasets[0].counts[index];
      const text = number(value);
      const wide = Math.abs(bar.x - bar.base) > ctx.measureText(text).width + 12;
      ctx.fillStyle = wide ? "#fff" : colours().ink;
      const x = wide ? (bar.x + bar.base) / 2 : Math.max(bar.x, bar.base) + 14;
      ctx.fillText(text, x, bar.y);
    });
    ctx.restore();
  },
};

function drawCharts(root, report) {
  const palette = colours();
  const counts = report.stages.map((stage) => stage.count);
  const widest = Math.max(1, ...counts);
  drawChart(root.querySelector("#chart-funnel"), {
    type: "bar",
    data: {
      labels: report.stages.map((stage) => stage.name),
      datasets: [
        {
          label: t("analytics.reached"),
          counts,
          // Centred bars: the chart reads as a funnel.
          data: counts.map((count) => [-count / 2, count / 2]),
          backgroundColor: report.stages.map((_, i) => shade(palette.accent, i / Math.max(1, report.stages.length - 1))),
          borderRadius: 4,
          borderSkipped: false,
          barPercentage: 0.9,
          categoryPercentage: 0.9,
        },
      ],
    },
    options: sidewaysBars(
      (i) => {
        const stage = report.stages[i];
        const lines = [t("analytics.reached_n", { n: number(stage.count) })];
        if (stage.conversion !== null && stage.conversion !== undefined) {
          lines.push(`${t("analytics.conversion")}: ${percent(stage.conversion)}`);
        }
        return lines;
      },
      {
        x: { display: false, min: -widest / 2, max: widest / 2 },
        y: { grid: { display: false }, border: { display: false }, ticks: { color: palette.ink } },
      },
    ),
    plugins: [countLabels],
  });
  const months = [...report.forecast].sort((a, b) => (a.month ?? "9999").localeCompare(b.month ?? "9999"));
  drawChart(root.querySelector("#chart-forecast"), {
    type: "bar",
    data: {
      labels: months.map((row) => (row.month ? month(row.month) : t("analytics.no_close_date"))),
      datasets: [
        {
          label: t("analytics.weighted_amount"),
          data: months.map((row) => amount(row.weighted_amount)),
          backgroundColor: months.map((row) => (row.month ? palette.good : palette.muted)),
          borderRadius: 4,
          maxBarThickness: 48,
        },
      ],
    },
    options: {
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (item) => money(item.raw) } },
      },
      scales: {
        x: { grid: { display: false } },
        y: { beginAtZero: true, ticks: { callback: (value) => money(value), maxTicksLimit: 6 } },
      },
    },
  });
}

// The accent colour lightened towards the end of the funnel.
function shade(hex, lightness) {
  const value = parseInt(hex.slice(1), 16);
  const mix = (channel) => Math.round(channel + (255 - channel) * lightness * 0.55);
  const [r, g, b] = [(value >> 16) & 255, (value >> 8) & 255, value & 255].map(mix);
  return `rgb(${r}, ${g}, ${b})`;
}
