// Deal outcomes: the deals created in a window, how many were won and lost, the win rate and the
// revenue won, by owner or by any of the deal's choices (its campaign, ...).
import { get } from "../../api.js";
import { money, number, percent, t } from "../../i18n.js";
import { emptyState, html, render } from "../../ui.js";
import { DEAL_CHOICES, choiceFilters, choiceNames, choiceQuery } from "../deals-shared.js";
import { card, dateFilters, exportButton, pipelineFilter, pipelines, selectFilter, toolbar, userNames } from "./shared.js";

// The ways to group: the owner, then each choice of the deal by its name in analytics.
const GROUPS = [
  { dimension: "owner", label: "analytics.by_owner" },
  ...DEAL_CHOICES.map((choice) => ({ dimension: choice.dimension, label: choice.label, field: choice.field })),
];

async function namesOf(group, choices) {
  if (!group.field) return userNames();
  return new Map(Object.entries(choices[group.field] || {}));
}

export async function show(root, { query, alive, change }) {
  const group = GROUPS.find((g) => g.dimension === query.by) || GROUPS[0];
  const window = { from: query.from || "", to: query.to || "" };
  const chosen = choiceQuery(query);
  const asked = { group_by: group.dimension, ...window, ...chosen, ...(query.pipeline_id ? { pipeline_id: query.pipeline_id } : {}) };
  const [report, all, choices] = await Promise.all([get("/analytics/deal-outcomes", asked), pipelines(), choiceNames()]);
  const names = await namesOf(group, choices);
  if (!alive()) return;
  const rows = report.items.map((row) => ({
    ...row,
    name: row.key == null ? t("analytics.none_given") : names.get(row.key) || t("analytics.unknown"),
  }));
  const everyPipeline = [["", t("analytics.all_pipelines")], ...all.map((p) => [p.id, p.name])];
  render(
    html`${toolbar(
      html`${selectFilter(t("analytics.pipeline"), "pipeline_id", query.pipeline_id || "", everyPipeline, change)}
        ${dateFilters(window.from, window.to, change)}${choiceFilters(choices, chosen, change)}`,
    )}
    ${card(
      t("analytics.outcomes"),
      rows.length ? outcomeTable(rows, group) : emptyState(t("analytics.outcomes_empty"), t("analytics.outcomes_empty_hint")),
      {
        subtitle: t("analytics.outcomes_hint"),
        wide: true,
        actions: html`<div class="row">
          ${selectFilter(t("analytics.group_by"), "by", group.dimension, GROUPS.map((g) => [g.dimension, t(g.label)]), change)}
          ${exportButton("/analytics/deal-outcomes", asked, `deal-outcomes-by-${group.dimension}.csv`, !rows.length)}
        </div>`,
      },
    )}`,
    root,
  );
}

function outcomeTable(rows, group) {
  const sum = (key) => rows.reduce((total, row) => total + Number(row[key] || 0), 0);
  const [won, lost] = [sum("won"), sum("lost")];
  return html`<div class="table-wrap flat"><table class="outcomes">
    <thead><tr>
      <th>${t(group.label)}</th>
      <th class="num">${t("analytics.deals")}</th>
      <th class="num">${t("analytics.open_now")}</th>
      <th class="num">${t("analytics.won")}</th>
      <th class="num">${t("analytics.lost")}</th>
      <th class="num">${t("analytics.win_rate")}</th>
      <th class="num">${t("analytics.revenue_won")}</th>
    </tr></thead>
    <tbody>${rows.map(
      (row) => html`<tr data-key=${row.name}>
        <td>${row.key == null ? html`<span class="muted">${row.name}</span>` : row.name}</td>
        <td class="num deals">${number(row.deals)}</td>
        <td class="num">${number(row.open)}</td>
        <td class="num won">${number(row.won)}</td>
        <td class="num">${number(row.lost)}</td>
        <td class="num win-rate">${percent(row.win_rate)}</td>
        <td class="num revenue">${money(row.revenue)}</td>
      </tr>`,
    )}</tbody>
    <tfoot><tr><th scope="row">${t("common.total")}</th>
      <td class="num">${number(sum("deals"))}</td><td class="num">${number(sum("open"))}</td>
      <td class="num">${number(won)}</td><td class="num">${number(lost)}</td>
      <td class="num">${percent(won + lost ? won / (won + lost) : null)}</td>
      <td class="num">${money(sum("revenue"))}</td></tr></tfoot>
  </table></div>`;
}
