// Pieces every screen shares: fields with the API's messages, empty states, dialogs, toasts, pages.
import { html, nothing, render } from "lit-html";
import { t } from "./i18n.js";

export { html, nothing, render };

export function field({ label, name, value = "", error, type = "text", options, required, hint, attrs = {} }) {
  const id = `f-${name}`;
  let control;
  if (options) {
    control = html`<select id=${id} name=${name} ?required=${required} aria-invalid=${error ? "true" : "false"}>
      ${required ? nothing : html`<option value="">—</option>`}
      ${options.map(([key, text]) => html`<option value=${key} ?selected=${String(value) === String(key)}>${text}</option>`)}
    </select>`;
  } else if (type === "textarea") {
    control = html`<textarea id=${id} name=${name} rows="3" aria-invalid=${error ? "true" : "false"}>${value}</textarea>`;
  } else {
    control = html`<input id=${id} name=${name} type=${type} .value=${value ?? ""} ?required=${required}
      step=${attrs.step || nothing} min=${attrs.min ?? nothing} max=${attrs.max ?? nothing}
      aria-invalid=${error ? "true" : "false"} />`;
  }
  return html`<label class="field ${error ? "invalid" : ""}" for=${id}>
    <span class="label">${label}${required ? html`<em aria-hidden="true">*</em>` : nothing}</span>
    ${control}
    ${error ? html`<small class="error" data-field=${name}>${error}</small>` : hint ? html`<small class="hint">${hint}</small>` : nothing}
  </label>`;
}

// The form's filled-in fields; names ending in [] become lists of their checked values.
export function formValues(form) {
  const values = {};
  for (const [name, value] of new FormData(form).entries()) {
    if (name.endsWith("[]")) {
      const key = name.slice(0, -2);
      values[key] = [...(values[key] || []), value];
    } else if (value !== "") {
      values[name] = typeof value === "string" ? value.trim() : value;
    }
  }
  return values;
}

export function emptyState(title, hint, action = nothing) {
  return html`<div class="empty"><div class="empty-icon" aria-hidden="true">◌</div>
    <h3>${title}</h3><p>${hint}</p>${action}</div>`;
}

export function loading() {
  return html`<div class="loading" aria-busy="true">${t("common.loading")}</div>`;
}

export function problem(error) {
  const message =
    error?.status === 404 ? t("common.not_found") : error?.status === 403 ? t("common.forbidden") : error?.message;
  return html`<div class="alert" role="alert">${message || t("common.failed")}</div>`;
}

export function badge(text, tone = "") {
  return html`<span class="badge ${tone}">${text}</span>`;
}

export function pageHeader(title, subtitle = nothing, actions = nothing) {
  return html`<header class="page-header"><div><h1>${title}</h1>${subtitle === nothing ? nothing : html`<p class="subtitle">${subtitle}</p>`}</div>
    <div class="actions">${actions}</div></header>`;
}

export function pager({ page, page_size: size, total }, go) {
  const pages = Math.max(1, Math.ceil(total / size));
  if (pages === 1) return nothing;
  return html`<nav class="pager" aria-label=${t("common.pages")}>
    <button class="ghost" ?disabled=${page <= 1} @click=${() => go(page - 1)}>‹</button>
    <span>${t("common.page_of", { page, pages })}</span>
    <button class="ghost" ?disabled=${page >= pages} @click=${() => go(page + 1)}>›</button>
  </nav>`;
}

export function toast(message, tone = "ok") {
  const box = document.getElementById("toasts");
  const item = document.createElement("div");
  item.className = `toast ${tone}`;
  item.setAttribute("role", "status");
  item.textContent = message;
  box.append(item);
  setTimeout(() => item.remove(), 4000);
}

// A modal dialog; `content(close)` renders its body. Resolves when it closes.
export function dialog(title, content) {
  const element = document.createElement("dialog");
  document.body.append(element);
  return new Promise((resolve) => {
    const close = (result) => {
      element.close();
      element.remove();
      resolve(result);
    };
    element.addEventListener("cancel", () => close(null));
    const draw = () =>
      render(
        html`<div class="dialog-head"><h2>${title}</h2>
          <button class="ghost icon" aria-label=${t("common.close")} @click=${() => close(null)}>×</button></div>
          ${content(close, draw)}`,
        element,
      );
    draw();
    element.showModal();
  });
}

export function tabs(items, current, go) {
  return html`<nav class="tabs" role="tablist">${items.map(
    ([key, label]) => html`<button role="tab" aria-selected=${key === current ? "true" : "false"}
      class=${key === current ? "active" : ""} @click=${() => go(key)}>${label}</button>`,
  )}</nav>`;
}

export function debounce(callback, wait = 250) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => callback(...args), wait);
  };
}
