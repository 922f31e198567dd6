// Analytics: funnel and forecast, deal outcomes, bottlenecks, unfinished deals, the plan of closes,
// ABC/XYZ, BCG, lost deals, managers, campaigns and the schedules of the classification and of the
// win model. One tab per route: #/analytics/:tab; a tab's module may name its label's key.
import "./analytics.css";
import { get } from "../api.js";
import { number, t, time } from "../i18n.js";
import { go } from "../router.js";
import { html, loading, nothing, pageHeader, problem, render, tabs } from "../ui.js";
import * as abcxyz from "./analytics/abcxyz.js";
import * as bcg from "./analytics/bcg.js";
import * as bottlenecks from "./analytics/bottlenecks.js";
import * as closes from "./analytics/closes.js";
import * as campaigns from "./analytics/campaigns.js";
import { forgetCharts } from "./analytics/charts.js";
import * as funnel from "./analytics/funnel.js";
import * as lost from "./analytics/lost.js";
import * as managers from "./analytics/managers.js";
import * as outcomes from "./analytics/outcomes.js";
import * as settings from "./analytics/settings.js";
import * as unfinished from "./analytics/unfinished.js";

const TABS = { funnel, outcomes, bottlenecks, unfinished, closes, abcxyz, bcg, lost, managers, campaigns, settings };
// Carried from tab to tab, so that the pipeline chosen on one is the pipeline of the next.
const KEPT = ["pipeline_id"];

let visit = 0;
let shown = null;

export async function show(root, params, query) {
  const tab = TABS[params.tab] ? params.tab : "funnel";
  const ticket = ++visit;
  const path = `/analytics/${tab}`;
  const context = {
    query,
    alive: () => ticket === visit,
    change: (values) => go(path, { ...query, ...values }),
    reload: () => show(root, params, query),
  };
  const kept = Object.fromEntries(KEPT.filter((name) => query[name]).map((name) => [name, query[name]]));
  render(
    html`<div class="analytics">
      ${pageHeader(t("analytics.title"), t("analytics.subtitle"))}
      ${tabs(
        Object.keys(TABS).map((key) => [key, t(TABS[key].label || `analytics.tab_${key}`)]),
        tab,
        (key) => go(`/analytics/${key}`, kept),
      )}
      <div class="an-freshness" aria-live="polite"></div>
      <div class="analytics-body" data-tab=${tab}></div>
    </div>`,
    root,
  );
  sayHowFresh(root.querySelector(".an-freshness"), context);
  const body = root.querySelector(".analytics-body");
  if (shown !== tab || !body.firstElementChild) {
    forgetCharts();
    render(loading(), body);
  }
  shown = tab;
  try {
    await TABS[tab].show(body, context);
  } catch (error) {
    console.error(error);
    if (context.alive()) {
      render(
        html`${problem(error)}<button class="ghost" @click=${() => go(path, kept)}>${t("analytics.reset_filters")}</button>`,
        body,
      );
    }
  }
}

// While the analytics are behind their sources (events published, not applied yet): "data as of
// 12:03 — 2 min behind" over every tab; nothing when they are current (behind by under a second).
const BEHIND_SECONDS = 1;

async function sayHowFresh(notice, context) {
  const found = await get("/analytics/freshness").catch(() => null);
  if (!found || !context.alive()) return;
  const lag = Math.max(0, ...found.sources.map((source) => source.lag_seconds));
  if (lag < BEHIND_SECONDS) return render(nothing, notice);
  const asOf = new Date(Date.now() - lag * 1000);
  const behind = lag < 60 ? t("analytics.behind_seconds", { n: number(lag) }) : t("analytics.behind_minutes", { n: number(lag / 60) });
  render(html`<p class="an-behind" role="status">${t("analytics.data_as_of", { time: time(asOf), behind })}</p>`, notice);
}
