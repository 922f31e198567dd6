import { ApiError, post } from "../api.js";
import { LANGUAGES, language, setLanguage, t } from "../i18n.js";
import { session } from "../session.js";
import { field, formValues, html, render } from "../ui.js";

export function showLogin(root, signedIn) {
  let error = null;
  async function submit(event) {
    event.preventDefault();
    try {
      session.tokens = await post("/auth/login", formValues(event.target));
      signedIn();
    } catch (failure) {
      error = failure instanceof ApiError && failure.status === 401 ? t("login.wrong") : failure.message;
      draw();
    }
  }
  function draw() {
    render(
      html`<div class="login-page"><form class="login card" @submit=${submit}>
        <div class="brand big"><span class="logo" aria-hidden="true">H</span>Hoa CRM</div>
        <p class="muted">${t("login.welcome")}</p>
        ${field({ label: t("login.username"), name: "username", required: true })}
        ${field({ label: t("login.password"), name: "password", type: "password", required: true })}
        ${error ? html`<div class="alert" role="alert">${error}</div>` : ""}
        <button class="primary wide" type="submit">${t("login.sign_in")}</button>
        <select class="language" aria-label="Language" @change=${(e) => { setLanguage(e.target.value); draw(); }}>
          ${Object.entries(LANGUAGES).map(([key, name]) => html`<option value=${key} ?selected=${key === language}>${name}</option>`)}
        </select>
      </form></div>`,
      root,
    );
  }
  draw();
}
