// Analytics: funnel and forecast, deal outcomes, bottlenecks, ABC/XYZ, BCG, lost deals, managers, campaigns and
// the schedules of the classification and of the win model. One tab per route: #/analytics/:tab.
import "./analytics.css";
import { t } from "../i18n.js";
import { go } from "../router.js";
import { html, loading, pageHeader, problem, render, tabs } from "../ui.js";
import * as abcxyz from "./analytics/abcxyz.js";
import * as bcg from "./analytics/bcg.js";
import * as bottlenecks from "./analytics/bottlenecks.js";
import * as campaigns from "./analytics/campaigns.js";
import { forgetCharts } from "./analytics/charts.js";
import * as funnel from "./analytics/funnel.js";
import * as lost from "./analytics/lost.js";
import * as managers from "./analytics/managers.js";
import * as outcomes from "./analytics/outcomes.js";
import * as settings from "./analytics/settings.js";

const TABS = { funnel, outcomes, bottlenecks, abcxyz, bcg, lost, managers, campaigns, settings };
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
        Object.keys(TABS).map((key) => [key, t(`analytics.tab_${key}`)]),
        tab,
        (key) => go(`/analytics/${key}`, kept),
      )}
      <div class="analytics-body" data-tab=${tab}></div>
    </div>`,
    root,
  );
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
