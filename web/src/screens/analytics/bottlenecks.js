// Bottlenecks: how long deals stay in each stage, where they are lost and which are stuck.
import { get } from "../../api.js";
import { number, percent, t } from "../../i18n.js";
import { badge, emptyState, html, render } from "../../ui.js";
import { colours, drawChart } from "./charts.js";
import { card, chartBox, exportButton, pipelineFilter, pipelines, stat, toolbar } from "./shared.js";
import { meter, noPipelines, unlessUnknown } from "./funnel.js";

// Stays are shown in days, or in hours or minutes when every stay of the pipeline is shorter.
const UNITS = [
  ["days_n", 1],
  ["hours_n", 24],
  ["minutes_n", 24 * 60],
];
let unit = UNITS[0];

function chooseUnit(report) {
  const longest = Math.max(0, ...report.stages.map((stage) => stage.p90_days ?? stage.avg_days ?? 0));
  unit = UNITS.find(([, per]) => longest * per >= 1) || UNITS[2];
}

const days = (value, digits = 1) =>
  value === null || value === undefined ? "—" : t(`analytics.${unit[0]}`, { n: number(value * unit[1], digits) });

export async function show(root, { query, alive, change }) {
  const all = await pipelines();
  if (!alive()) return;
  if (!all.length) return render(noPipelines(), root);
  const pipeline = all.find((item) => item.id === query.pipeline_id) || all[0];
  const report = await unlessUnknown(get("/analytics/bottlenecks", { pipeline_id: pipeline.id }), () => ({
    stages: pipeline.stages.map((stage) => ({ stage_id: stage.id, name: stage.name, entered: 0 })),
  }));
  if (!alive()) return;
  const entered = report.stages.some((stage) => stage.entered > 0);
  chooseUnit(report);
  render(
    html`${toolbar(
      pipelineFilter(all, pipeline.id, change),
      exportButton("/analytics/bottlenecks", { pipeline_id: pipeline.id }, `bottlenecks-${pipeline.name}.csv`, !entered),
    )}
    ${entered
      ? content(report, pipeline)
      : html`<div class="card">${emptyState(t("analytics.bottlenecks_empty"), t("analytics.bottlenecks_empty_hint"))}</div>`}`,
    root,
  );
  if (entered) drawTimes(root, report);
}

function content(report, pipeline) {
  const stalled = report.stages.reduce((sum, stage) => sum + stage.stalled, 0);
  const open = report.stages.reduce((sum, stage) => sum + stage.open, 0);
  const slowest = [...report.stages].filter((s) => s.median_days !== null).sort((a, b) => b.median_days - a.median_days)[0];
  const leakiest = [...report.stages].filter((s) => s.drop_off_rate).sort((a, b) => b.drop_off_rate - a.drop_off_rate)[0];
  const timed = report.stages.some((stage) => stage.finished_stays > 0);
  return html`<div class="stats">
      ${stat(
        t("analytics.slowest_stage"),
        slowest ? slowest.name : "—",
        slowest ? t("analytics.median_is", { days: days(slowest.median_days) }) : t("analytics.no_finished_stays"),
      )}
      ${stat(
        t("analytics.leakiest_stage"),
        leakiest ? leakiest.name : "—",
        leakiest ? t("analytics.drop_off_is", { rate: percent(leakiest.drop_off_rate) }) : t("analytics.no_drop_off"),
      )}
      ${stat(t("analytics.open_deals"), number(open), t("analytics.in_pipeline", { pipeline: pipeline.name }))}
      ${stat(t("analytics.stalled"), number(stalled), t("analytics.stalled_hint"), stalled ? "warn" : "good")}
    </div>
    ${card(
      t("analytics.time_in_stage"),
      timed
        ? chartBox("chart-times", t("analytics.time_in_stage"), 300)
        : html`<p class="an-note">${t("analytics.no_finished_stays_hint")}</p>`,
      { subtitle: t("analytics.time_in_stage_hint"), wide: true },
    )}
    ${card(t("analytics.stages_of", { pipeline: pipeline.name }), table(report), { wide: true })}`;
}

function table(report) {
  return html`<div class="table-wrap flat"><table class="bottlenecks">
    <thead><tr>
      <th>${t("analytics.stage")}</th>
      <th class="num">${t("analytics.entered")}</th>
      <th class="num">${t("analytics.avg_days")}</th>
      <th class="num">${t("analytics.median_days")}</th>
      <th class="num">${t("analytics.p90_days")}</th>
      <th class="num">${t("analytics.lost_here")}</th>
      <th>${t("analytics.drop_off")}</th>
      <th class="num">${t("analytics.open_now")}</th>
      <th class="num">${t("analytics.stalled")}</th>
    </tr></thead>
    <tbody>${report.stages.map(
      (stage) => html`<tr data-stage=${stage.name}>
        <th scope="row">${stage.name}</th>
        <td class="num">${number(stage.entered)}</td>
        <td class="num">${days(stage.avg_days)}</td>
        <td class="num">${days(stage.median_days)}</td>
        <td class="num">${days(stage.p90_days)}</td>
        <td class="num">${number(stage.lost)}</td>
        <td>${meter(stage.drop_off_rate)}</td>
        <td class="num">${number(stage.open)}</td>
        <td class="num stalled">${stage.stalled ? badge(number(stage.stalled), "warn") : html`<span class="muted">0</span>`}</td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}

function drawTimes(root, report) {
  const palette = colours();
  const series = [
    ["avg_days", t("analytics.avg_days"), palette.accent],
    ["median_days", t("analytics.median_days"), palette.accentSoft],
    ["p90_days", t("analytics.p90_days"), palette.warn],
  ];
  drawChart(root.querySelector("#chart-times"), {
    type: "bar",
    data: {
      labels: report.stages.map((stage) => stage.name),
      datasets: series.map(([key, label, colour]) => ({
        label,
        data: report.stages.map((stage) => stage[key]),
        backgroundColor: colour,
        borderRadius: 3,
        maxBarThickness: 36,
      })),
    },
    options: {
      plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${days(item.raw)}` } } },
      scales: {
        x: { grid: { display: false } },
        y: { beginAtZero: true, ticks: { callback: (value) => days(value, 2), maxTicksLimit: 6 } },
      },
    },
  });
}
