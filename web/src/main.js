// The composition root of the browser UI: session, language, header and the screen for the route.
import "./styles.css";
import { get, whenSignedOut } from "./api.js";
import { setLanguage, setTimeZone, storedLanguage } from "./i18n.js";
import { markArea, showHeader } from "./header.js";
import { current, go, route } from "./router.js";
import { session } from "./session.js";
import { html, problem, render } from "./ui.js";
import { showLogin } from "./screens/login.js";
import { showForcedChange } from "./screens/password.js";

route("/", () => import("./screens/board.js"));
route("/board", () => import("./screens/board.js"));
route("/board/:pipelineId", () => import("./screens/board.js"));
route("/deals/:id", () => import("./screens/deal.js"));
route("/counterparties", () => import("./screens/counterparties.js"));
route("/counterparties/:id", () => import("./screens/counterparty.js"));
route("/my-day", () => import("./screens/myday.js"));
route("/mail", () => import("./screens/mail.js"));
route("/mail/proposals", () => import("./screens/mail/proposals.js"));
route("/mail/:mailboxId", () => import("./screens/mail.js"));
route("/analytics", () => import("./screens/analytics.js"));
route("/analytics/:tab", () => import("./screens/analytics.js"));
route("/admin", () => import("./screens/admin.js"));
route("/setup", () => import("./screens/setup/index.js"));

const app = document.getElementById("app");

// True while a screen is still fetching: if the route changes meanwhile, that screen must not
// draw over the next one, so the next one gets a fresh element and the old one draws unseen.
let loading = false;

async function showScreen() {
  if (!session.loggedIn) return start();
  const found = current();
  const main = document.getElementById("screen");
  if (!main) return start();
  markArea();
  let host = main.firstElementChild;
  if (!host || loading) {
    host = document.createElement("div");
    main.replaceChildren(host);
  }
  if (!found) return render(problem({ status: 404 }), host);
  loading = true;
  try {
    const screen = await found.load();
    await screen.show(host, found.params, found.query);
  } catch (error) {
    console.error(error);
    if (host.isConnected) render(problem(error), host);
  } finally {
    if (host.isConnected) loading = false;
  }
}

async function start() {
  setLanguage(storedLanguage());
  if (!session.loggedIn) {
    return showLogin(app, () => start());
  }
  try {
    session.me = await get("/me");
    setTimeZone(session.me.time_zone || session.me.company_time_zone);
  } catch {
    session.tokens = null;
    return showLogin(app, () => start());
  }
  if (session.me.must_change_password) return showForcedChange(app, () => start());
  render(
    html`<div class="shell"><div id="header"></div><main id="screen" tabindex="-1"></main></div>
      <div id="toasts" aria-live="polite"></div>`,
    app,
  );
  showHeader(document.getElementById("header"), () => start());
  await showScreen();
}

whenSignedOut(() => start());
window.addEventListener("hashchange", showScreen);
window.crm = { go };
start();
