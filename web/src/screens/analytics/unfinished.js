// Unfinished deals: what is open by stage, owner or pipeline (count, amount, weighted amount,
// overdue), and the open deals themselves: where each waits, since when, whose it is and for how much.
import "../reports.css";
import { get } from "../../api.js";
import { date, money, number, t } from "../../i18n.js";
import { badge, emptyState, html, nothing, pager, render } from "../../ui.js";
import { isOverdue } from "../deals-shared.js";
import { amount, card, counterpartyNames, exportButton, pipelines, selectFilter, stageNames, stat, toolbar, userNames } from "./shared.js";

export const label = "reports.tab_unfinished";

const GROUPS = ["stage", "owner", "pipeline"];
const PAGE_SIZE = 25;
const DAY_MS = 24 * 60 * 60 * 1000;

async function groupNames(groupBy, all) {
  if (groupBy === "stage") return stageNames();
  if (groupBy === "owner") return userNames();
  return new Map(all.map((pipeline) => [pipeline.id, pipeline.name]));
}

export async function show(root, { query, alive, change }) {
  const groupBy = GROUPS.includes(query.by) ? query.by : "stage";
  const within = query.pipeline_id ? { pipeline_id: query.pipeline_id } : {};
  const asked = { group_by: groupBy, ...within };
  const [report, all] = await Promise.all([get("/analytics/unfinished-deals", asked), pipelines()]);
  const names = await groupNames(groupBy, all);
  const picked = query.key ? { [`${groupBy}_id`]: query.key } : {};
  const deals = await openDeals({ ...within, ...picked }, Number(query.page) || 1);
  if (!alive()) return;
  const rows = report.items
    .map((row) => ({ ...row, name: row.key == null ? t(groupBy === "owner" ? "analytics.no_owner" : "analytics.none_given") : names.get(row.key) || t("analytics.unknown") }))
    .sort((a, b) => b.deals - a.deals);
  const refine = (values) => change({ page: "", ...values });
  const everyPipeline = [["", t("analytics.all_pipelines")], ...all.map((p) => [p.id, p.name])];
  render(
    html`${toolbar(
      selectFilter(t("analytics.pipeline"), "pipeline_id", query.pipeline_id || "", everyPipeline, (values) => refine({ ...values, key: "" })),
    )}
    ${rows.length ? totals(rows) : nothing}
    ${card(
      t("reports.unfinished_by"),
      rows.length ? groupTable(rows, groupBy, query.key, refine) : emptyState(t("reports.unfinished_empty"), t("reports.unfinished_empty_hint")),
      {
        subtitle: t("reports.unfinished_by_hint"),
        wide: true,
        actions: html`<div class="row">
          ${selectFilter(t("analytics.group_by"), "by", groupBy, GROUPS.map((key) => [key, t(`analytics.by_${key}`)]), (values) => refine({ ...values, key: "" }))}
          ${exportButton("/analytics/unfinished-deals", asked, `unfinished-deals-by-${groupBy}.csv`, !rows.length)}
        </div>`,
      },
    )}
    ${card(
      query.key ? t("reports.open_deals_of", { name: names.get(query.key) || t("analytics.unknown") }) : t("reports.open_deals"),
      deals.items.length ? dealTable(deals) : emptyState(t("reports.no_open_deals"), t("reports.no_open_deals_hint")),
      {
        subtitle: t("reports.open_deals_hint"),
        wide: true,
        actions: query.key ? html`<button class="ghost" @click=${() => refine({ key: "" })}>${t("reports.show_all")}</button>` : nothing,
      },
    )}
    ${pager(deals, (page) => change({ page }))}`,
    root,
  );
}

function totals(rows) {
  const sum = (key) => rows.reduce((total, row) => total + amount(row[key]), 0);
  const overdue = sum("overdue");
  return html`<div class="stats">
    ${stat(t("analytics.open_deals"), number(sum("deals")))}
    ${stat(t("analytics.amount"), money(sum("amount")))}
    ${stat(t("analytics.weighted_amount"), money(sum("weighted_amount")), t("analytics.weighted_hint"))}
    ${stat(t("reports.overdue"), number(overdue), t("reports.overdue_hint"), overdue ? "warn" : "good")}
  </div>`;
}

function groupTable(rows, groupBy, chosen, refine) {
  const sum = (key) => rows.reduce((total, row) => total + amount(row[key]), 0);
  return html`<div class="table-wrap flat"><table class="unfinished">
    <thead><tr>
      <th>${t(`analytics.by_${groupBy}`)}</th>
      <th class="num">${t("analytics.deals")}</th>
      <th class="num">${t("analytics.amount")}</th>
      <th class="num">${t("analytics.weighted_amount")}</th>
      <th class="num">${t("reports.overdue")}</th>
    </tr></thead>
    <tbody>${rows.map(
      (row) => html`<tr data-key=${row.name} class=${row.key && row.key === chosen ? "chosen" : ""}>
        <th scope="row">${row.key == null
          ? html`<span class="muted">${row.name}</span>`
          : html`<button class="link" title=${t("reports.show_deals")} @click=${() => refine({ key: row.key })}>${row.name}</button>`}</th>
        <td class="num deals">${number(row.deals)}</td>
        <td class="num amount">${money(row.amount)}</td>
        <td class="num">${money(row.weighted_amount)}</td>
        <td class="num overdue">${row.overdue ? badge(number(row.overdue), "warn") : html`<span class="muted">0</span>`}</td>
      </tr>`,
    )}</tbody>
    <tfoot><tr><th scope="row">${t("common.total")}</th><td class="num">${number(sum("deals"))}</td>
      <td class="num">${money(sum("amount"))}</td><td class="num">${money(sum("weighted_amount"))}</td>
      <td class="num">${number(sum("overdue"))}</td></tr></tfoot>
  </table></div>`;
}

// A page of open deals, each with the moment it entered the stage it is in and the names around it.
async function openDeals(filters, page) {
  const found = await get("/deals", { status: "open", ...filters, page, page_size: PAGE_SIZE });
  const [stages, owners, parties, since] = await Promise.all([
    stageNames(),
    userNames(),
    counterpartyNames(found.items.map((deal) => deal.counterparty_id)),
    Promise.all(found.items.map(enteredStage)),
  ]);
  const items = found.items.map((deal, i) => ({
    ...deal,
    stage: stages.get(deal.stage_id) || t("analytics.unknown"),
    owner: deal.owner_id ? owners.get(deal.owner_id) || t("analytics.unknown") : t("analytics.no_owner"),
    party: parties.get(deal.counterparty_id),
    since: since[i],
  }));
  return { ...found, items };
}

async function enteredStage(deal) {
  const visits = await get(`/deals/${deal.id}/stage-history`).catch(() => ({ items: [] }));
  const visit = visits.items.findLast((item) => item.stage_id === deal.stage_id && !item.left_at);
  return visit ? visit.entered_at : deal.created_at;
}

function waiting(since) {
  const days = Math.floor((Date.now() - new Date(since).getTime()) / DAY_MS);
  return days < 1 ? t("reports.under_a_day") : t("reports.days_n", { n: number(days) });
}

function dealTable(deals) {
  return html`<div class="table-wrap flat"><table class="open-deals">
    <thead><tr>
      <th>${t("reports.deal")}</th>
      <th>${t("analytics.stage")}</th>
      <th class="num">${t("reports.waiting")}</th>
      <th>${t("reports.owner")}</th>
      <th class="num">${t("analytics.amount")}</th>
      <th>${t("reports.expected_close")}</th>
    </tr></thead>
    <tbody>${deals.items.map(
      (deal) => html`<tr data-deal=${deal.id}>
        <th scope="row"><a href="#/deals/${deal.id}">${deal.title}</a>${deal.party ? html`<small class="rp-party">${deal.party}</small>` : nothing}</th>
        <td class="stage">${deal.stage}</td>
        <td class="num waiting" title=${t("reports.in_stage_since", { date: date(deal.since) })}>${waiting(deal.since)}
          <small class="rp-since">${t("reports.in_stage_since", { date: date(deal.since) })}</small></td>
        <td class="owner">${deal.owner}</td>
        <td class="num amount">${money(deal.amount, deal.currency || "VND")}</td>
        <td class="close">${date(deal.expected_close_date)}${isOverdue(deal) ? html` ${badge(t("reports.overdue_one"), "bad")}` : nothing}</td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}
