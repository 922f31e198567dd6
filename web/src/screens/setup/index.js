// Setup, for directors and admins: the sales process (pipelines with their stages, task templates
// and documents), the lists the company keeps (lost reasons, deal sources, company groups), the
// campaigns, and mail: templates, sending rules, address groups and mailboxes.
// One route, #/setup?tab=pipelines|lists|campaigns|templates|rules|address_groups|mailboxes|company;
// each
// tab is a module of its own.
import "../board.css";
import "./setup.css";
import { t } from "../../i18n.js";
import { go } from "../../router.js";
import { session } from "../../session.js";
import { html, loading, pageHeader, problem, render, tabs } from "../../ui.js";
import * as addressGroups from "./address-groups.js";
import * as campaigns from "./campaigns.js";
import * as company from "./company.js";
import * as lists from "./lists.js";
import * as rules from "./mail-rules.js";
import * as templates from "./mail-templates.js";
import * as mailboxes from "./mailboxes.js";
import * as pipelines from "./pipelines.js";

const TABS = { pipelines, lists, campaigns, templates, rules, address_groups: addressGroups, mailboxes, company };
export const SETUP_ROLES = ["director", "admin"];

let visit = 0;

export async function show(root, params, query) {
  if (!session.hasRole(...SETUP_ROLES)) return render(problem({ status: 403 }), root);
  const tab = TABS[query.tab] ? query.tab : "pipelines";
  const ticket = ++visit;
  const context = {
    query,
    alive: () => ticket === visit,
    change: (values) => go("/setup", { ...query, ...values }),
    goTo: (values) => go("/setup", { tab, ...values }),
  };
  render(
    html`<div class="setup">
      ${pageHeader(t("setup.title"), t("setup.subtitle"))}
      ${tabs(
        Object.keys(TABS).map((key) => [key, t(`setup.tab_${key}`)]),
        tab,
        (key) => go("/setup", { tab: key }),
      )}
      <div class="setup-body" data-tab=${tab}></div>
    </div>`,
    root,
  );
  const body = root.querySelector(".setup-body");
  context.reload = () => TABS[tab].show(body, context); // the tab read afresh, its route unchanged
  render(loading(), body);
  await TABS[tab].show(body, context);
}
