// ABC/XYZ: how many customers sit in each class pair (each cell opens them in the counterparty
// list), the latest classification run, and a classification started by hand.
import { ApiError, get, post } from "../../api.js";
import { date, dateTime, number, t } from "../../i18n.js";
import { session } from "../../session.js";
import { badge, dialog, emptyState, field, formValues, html, nothing, render, toast } from "../../ui.js";
import { card, limitFields, monthsAgo, parameterField, today, toolbar, xyzPeriodField } from "./shared.js";

const ABC = ["A", "B", "C"];
const XYZ = ["X", "Y", "Z"];
const POLL_MS = 1000;

export async function show(root, { alive }) {
  const state = { counts: null, run: null, following: false };

  async function load() {
    const [counts, run] = await Promise.all([matrixCounts(), latestRun()]);
    Object.assign(state, { counts, run });
    if (!alive()) return;
    draw();
    if (run && !finished(run)) follow(run.id);
  }

  // Shows the run as it goes until it is done or failed, then the classes it gave.
  async function follow(runId) {
    if (state.following) return;
    state.following = true;
    try {
      for (;;) {
        state.run = await get(`/analytics/classifications/${runId}`);
        if (!alive()) return;
        draw();
        if (finished(state.run)) break;
        await new Promise((resume) => setTimeout(resume, POLL_MS));
        if (!alive()) return;
      }
    } finally {
      state.following = false;
    }
    if (state.run.status !== "done") return toast(t("analytics.run_failed_toast"), "bad");
    toast(t("analytics.run_finished", { n: number(state.run.customers) }));
    state.counts = await matrixCounts();
    if (alive()) draw();
  }

  async function start() {
    const runId = await runDialog();
    if (!runId) return;
    await follow(runId);
  }

  function draw() {
    const classified = state.counts.classified > 0;
    render(
      html`${toolbar(
        html`<p class="an-lead">${t("analytics.abcxyz_lead")}</p>`,
        session.canWrite
          ? html`<button class="primary" ?disabled=${state.run && !finished(state.run)} @click=${start}>
              ${t("analytics.run_now")}</button>`
          : nothing,
      )}
      ${classified || state.run
        ? html`<div class="an-split">
            ${card(t("analytics.matrix"), classified ? matrix(state.counts) : noClasses(), {
              subtitle: t("analytics.matrix_hint"),
            })}
            <div class="stack">${runCard(state.run)}${legend()}</div>
          </div>`
        : html`<div class="card">${emptyState(
            t("analytics.abcxyz_empty"),
            t("analytics.abcxyz_empty_hint"),
            session.canWrite ? html`<button class="primary" @click=${start}>${t("analytics.run_now")}</button>` : nothing,
          )}</div>`}`,
      root,
    );
  }

  await load();
}

const finished = (run) => run.status === "done" || run.status === "failed";

async function total(query) {
  return (await get("/counterparties", { ...query, page_size: 1 })).total;
}

// Nine counts, one per cell, and the class totals (which also hold customers without XYZ).
async function matrixCounts() {
  const pairs = ABC.flatMap((abc) => XYZ.map((xyz) => [abc, xyz]));
  const [cells, rows] = await Promise.all([
    Promise.all(pairs.map(([abc, xyz]) => total({ abc, xyz }))),
    Promise.all(ABC.map((abc) => total({ abc }))),
  ]);
  const counts = { cells: {}, rows: {}, classified: 0 };
  pairs.forEach(([abc, xyz], i) => (counts.cells[abc + xyz] = cells[i]));
  ABC.forEach((abc, i) => (counts.rows[abc] = rows[i]));
  counts.classified = rows.reduce((sum, n) => sum + n, 0);
  return counts;
}

// The newest run: the classes the customers carry now come from it.
async function latestRun() {
  const runs = await get("/analytics/classifications", { page_size: 1 });
  return runs.items[0] || null;
}

function matrix(counts) {
  const biggest = Math.max(1, ...Object.values(counts.cells));
  const columnTotal = (xyz) => ABC.reduce((sum, abc) => sum + counts.cells[abc + xyz], 0);
  const rowTotal = (abc) => XYZ.reduce((sum, xyz) => sum + counts.cells[abc + xyz], 0);
  const unmeasured = ABC.reduce((sum, abc) => sum + counts.rows[abc] - rowTotal(abc), 0);
  return html`<table class="abcxyz">
      <thead><tr><td></td>${XYZ.map(
        (xyz) => html`<th scope="col"><span class="class-letter">${xyz}</span><small>${t(`analytics.xyz_${xyz}`)}</small></th>`,
      )}<th scope="col" class="total">${t("common.total")}</th></tr></thead>
      <tbody>${ABC.map(
        (abc) => html`<tr>
          <th scope="row"><span class="class-letter">${abc}</span><small>${t(`analytics.abc_${abc}`)}</small></th>
          ${XYZ.map((xyz) => cell(abc, xyz, counts.cells[abc + xyz], biggest))}
          <td class="total"><a href="#/counterparties?abc=${abc}">${number(counts.rows[abc])}</a></td>
        </tr>`,
      )}</tbody>
      <tfoot><tr><th scope="row">${t("common.total")}</th>${XYZ.map(
        (xyz) => html`<td class="total"><a href="#/counterparties?xyz=${xyz}">${number(columnTotal(xyz))}</a></td>`,
      )}<td class="total">${number(counts.classified)}</td></tr></tfoot>
    </table>
    ${unmeasured
      ? html`<p class="an-note">${t("analytics.no_xyz", { n: number(unmeasured) })}</p>`
      : nothing}`;
}

function cell(abc, xyz, count, biggest) {
  const strength = count ? 0.12 + 0.55 * (count / biggest) : 0;
  const tone = `background: rgba(31, 111, 235, ${strength.toFixed(2)}); color: ${strength > 0.45 ? "#fff" : "inherit"}`;
  return html`<td class="cell" data-cell=${abc + xyz}>
    <a href="#/counterparties?abc=${abc}&xyz=${xyz}" style=${tone}
      aria-label=${t("analytics.cell_label", { abc, xyz, n: count })}>
      <strong class="cell-count">${number(count)}</strong>
      <small>${t(count === 1 ? "analytics.customers_one" : "analytics.customers_n")}</small>
    </a></td>`;
}

function noClasses() {
  return emptyState(t("analytics.no_classes_yet"), t("analytics.no_classes_yet_hint"));
}

const RUN_TONES = { done: "good", failed: "bad", queued: "info", running: "info" };

function runCard(run) {
  if (!run) return card(t("analytics.latest_run"), html`<p class="muted">${t("analytics.no_run_known")}</p>`);
  const p = run.parameters;
  const pct = (limits) => limits.map((limit) => `${number(limit, 1)} %`).join(" · ");
  return card(
    t("analytics.latest_run"),
    html`<dl class="facts">
      <dt>${t("analytics.status")}</dt><dd class="run-status">${badge(t(`analytics.run_${run.status}`), RUN_TONES[run.status])}</dd>
      ${run.reason ? html`<dt>${t("analytics.reason")}</dt><dd class="bad-text">${run.reason}</dd>` : nothing}
      <dt>${t("analytics.parameter")}</dt><dd>${t(`analytics.parameter_${p.parameter}`)}</dd>
      <dt>${t("analytics.period")}</dt><dd>${date(p.period_from)} – ${date(p.period_to)}</dd>
      <dt>${t("analytics.abc_limits")}</dt><dd>${pct(p.abc_limits)}</dd>
      <dt>${t("analytics.xyz_limits")}</dt><dd>${pct(p.xyz_limits)} (${t(`analytics.xyz_period_${p.xyz_period}`)})</dd>
      <dt>${t("analytics.customers")}</dt><dd>${number(run.customers)}</dd>
      ${run.negative ? html`<dt>${t("analytics.negative")}</dt><dd>${badge(number(run.negative), "warn")}</dd>` : nothing}
      <dt>${t("analytics.started_at")}</dt><dd>${dateTime(run.created_at)}</dd>
      <dt>${t("analytics.finished_at")}</dt><dd>${run.finished_at ? dateTime(run.finished_at) : "—"}</dd>
    </dl>`,
  );
}

function legend() {
  return card(
    t("analytics.how_to_read"),
    html`<ul class="an-legend">
      <li><strong>A · B · C</strong> — ${t("analytics.legend_abc")}</li>
      <li><strong>X · Y · Z</strong> — ${t("analytics.legend_xyz")}</li>
      <li>${t("analytics.legend_click")}</li>
    </ul>`,
  );
}

// The classification form; resolves with the new run's id, or null when cancelled.
function runDialog() {
  let errors = {};
  let message = null;
  let values = {
    parameter: "revenue",
    period_from: monthsAgo(12),
    period_to: today(),
    "abc_limits.0": 80,
    "abc_limits.1": 95,
    "xyz_limits.0": 10,
    "xyz_limits.1": 25,
    xyz_period: "month",
  };
  return dialog(t("analytics.run_title"), (close, redraw) => {
    async function submit(event) {
      event.preventDefault();
      values = formValues(event.target);
      const body = {
        parameter: values.parameter,
        period_from: values.period_from,
        period_to: values.period_to,
        abc_limits: [Number(values["abc_limits.0"]), Number(values["abc_limits.1"])],
        xyz_limits: [Number(values["xyz_limits.0"]), Number(values["xyz_limits.1"])],
        xyz_period: values.xyz_period,
      };
      try {
        close((await post("/analytics/classifications", body)).run_id);
      } catch (error) {
        errors = error instanceof ApiError ? error.fields : {};
        message = Object.keys(errors).length ? t("common.fix_fields") : error.message;
        redraw();
      }
    }
    return html`<form class="run-form" @submit=${submit} novalidate>
      <p class="muted">${t("analytics.run_intro")}</p>
      <div class="form-grid">
        ${parameterField(values, errors)}
        ${xyzPeriodField(values, errors)}
        ${field({ label: t("analytics.period_from"), name: "period_from", type: "date", value: values.period_from, required: true, error: errors.period_from })}
        ${field({ label: t("analytics.period_to"), name: "period_to", type: "date", value: values.period_to, required: true, error: errors.period_to })}
        ${limitFields("abc_limits", [values["abc_limits.0"], values["abc_limits.1"]], errors)}
        ${limitFields("xyz_limits", [values["xyz_limits.0"], values["xyz_limits.1"]], errors)}
      </div>
      ${message ? html`<div class="alert" role="alert">${message}</div>` : nothing}
      <div class="form-actions">
        <button type="button" class="ghost" @click=${() => close(null)}>${t("common.cancel")}</button>
        <button type="submit" class="primary">${t("analytics.run_start")}</button>
      </div>
    </form>`;
  });
}
