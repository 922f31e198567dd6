// Changing one's own password: a dialog from the user menu, and the screen she cannot leave
// after an admin's reset with "must change" until she has changed it.
import "./password.css";
import { ApiError, post } from "../api.js";
import { t } from "../i18n.js";
import { session } from "../session.js";
import { dialog, field, html, nothing, render, toast } from "../ui.js";

const label = (key, params) => t(`admin.${key}`, params);

function form(state, submit, cancel) {
  const e = state.errors;
  return html`<form class="password-form" novalidate @submit=${submit}>
    ${field({ label: label("current_password"), name: "current", type: "password", required: true, error: e.current })}
    ${field({ label: label("new_password"), name: "new", type: "password", required: true, error: e.new, hint: label("password_hint") })}
    ${field({ label: label("repeat_password"), name: "repeat", type: "password", required: true, error: e.repeat })}
    ${state.message ? html`<div class="alert" role="alert">${state.message}</div>` : nothing}
    <div class="form-actions">
      ${cancel ? html`<button type="button" class="ghost" @click=${cancel}>${t("common.cancel")}</button>` : nothing}
      <button type="submit" class="primary" ?disabled=${state.busy}>${label("change_password")}</button>
    </div>
  </form>`;
}

// Passwords are taken as typed (formValues would trim them).
function typed(formElement) {
  const value = (name) => formElement.elements[name].value;
  return { current: value("current"), fresh: value("new"), repeat: value("repeat") };
}

function explain(state, error) {
  if (error instanceof ApiError && error.status === 422) {
    state.errors = { ...error.fields };
    if (state.errors.current) state.errors.current = label("wrong_current");
    state.message = t("common.fix_fields");
  } else {
    state.message = error.message || t("common.failed");
  }
}

// Changes it and signs in again with it: the change closes every session that had the old one.
async function change(state, formElement) {
  const { current, fresh, repeat } = typed(formElement);
  Object.assign(state, { errors: {}, message: null });
  if (fresh.length < 8) state.errors.new = label("password_hint");
  else if (fresh === current) state.errors.new = label("must_differ");
  else if (fresh !== repeat) state.errors.repeat = label("passwords_differ");
  if (Object.keys(state.errors).length) return false;
  state.busy = true;
  try {
    await post("/me/password", { current, new: fresh });
    session.tokens = await post("/auth/login", { username: session.me.username, password: fresh });
    return true;
  } catch (error) {
    explain(state, error);
    return false;
  } finally {
    state.busy = false;
  }
}

export function openPasswordChange() {
  const state = { errors: {}, message: null, busy: false };
  return dialog(label("change_my_password"), (close, redraw) => {
    async function submit(event) {
      event.preventDefault();
      if (await change(state, event.target)) {
        toast(label("password_changed"));
        return close(true);
      }
      redraw();
    }
    return form(state, submit, () => close(null));
  });
}

// The whole page until she has changed it; `done` starts the app again.
export function showForcedChange(root, done) {
  const state = { errors: {}, message: null, busy: false };
  async function submit(event) {
    event.preventDefault();
    if (await change(state, event.target)) return done();
    draw();
  }
  function signOut() {
    session.tokens = null;
    done();
  }
  function draw() {
    render(
      html`<div class="login-page"><section class="login card forced-change">
        <div class="brand big"><span class="logo" aria-hidden="true">H</span>Hoa CRM</div>
        <h1>${label("forced_title")}</h1>
        <p class="muted">${label("forced_hint", { name: session.me.full_name || session.me.username })}</p>
        ${form(state, submit)}
        <button class="ghost wide" type="button" @click=${signOut}>${t("header.sign_out")}</button>
      </section></div>`,
      root,
    );
  }
  draw();
}
