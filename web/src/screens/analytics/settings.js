// Settings: when the ABC/XYZ classification and the win model's training run by themselves,
// the win model now in use, and a training started by hand.
import { ApiError, get, post, put } from "../../api.js";
import { date, dateTime, number, t } from "../../i18n.js";
import { session } from "../../session.js";
import { badge, field, formValues, html, nothing, render, toast } from "../../ui.js";
import { card, limitFields, parameterField, xyzPeriodField } from "./shared.js";

const POLL_MS = 1000;
const CLASSIFICATION = {
  cron: "0 3 1 * *",
  parameter: "revenue",
  window_months: 12,
  abc_limits: [80, 95],
  xyz_limits: [10, 25],
  xyz_period: "month",
  enabled: false,
};
const TRAINING = { cron: "0 2 * * 0", window_months: 24, enabled: false };

// A missing schedule or model is a 404: nothing set yet, not a failure.
async function optional(path, query) {
  try {
    return await get(path, query);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export async function show(root, { alive }) {
  const [classification, training, model] = await Promise.all([
    optional("/analytics/schedules/classification"),
    optional("/analytics/schedules/win-model"),
    optional("/analytics/win-model"),
  ]);
  const state = {
    classification: { saved: classification, values: classification || CLASSIFICATION, errors: {}, busy: false },
    training: { saved: training, values: training || TRAINING, errors: {}, busy: false },
    model,
    trainingNow: null,
  };
  if (!alive()) return;

  async function save(which, path, body) {
    const form = state[which];
    form.values = body;
    form.busy = true;
    form.errors = {};
    draw();
    try {
      form.saved = await put(path, body);
      form.values = form.saved;
      toast(t("analytics.schedule_saved"));
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 422) toast(error.message || t("common.failed"), "bad");
      form.errors = error instanceof ApiError ? error.fields : {};
    } finally {
      form.busy = false;
      if (alive()) draw();
    }
  }

  function saveClassification(event) {
    event.preventDefault();
    const values = formValues(event.target);
    save("classification", "/analytics/schedules/classification", {
      cron: values.cron || "",
      parameter: values.parameter,
      window_months: Number(values.window_months),
      abc_limits: [Number(values["abc_limits.0"]), Number(values["abc_limits.1"])],
      xyz_limits: [Number(values["xyz_limits.0"]), Number(values["xyz_limits.1"])],
      xyz_period: values.xyz_period,
      enabled: values.enabled === "on",
    });
  }

  function saveTraining(event) {
    event.preventDefault();
    const values = formValues(event.target);
    save("training", "/analytics/schedules/win-model", {
      cron: values.training_cron || "",
      window_months: Number(values.training_window_months),
      enabled: values.enabled === "on",
    });
  }

  async function train() {
    try {
      let trained = await post("/analytics/win-model/train", { window_months: Number(state.training.values.window_months) || 24 });
      state.trainingNow = trained;
      draw();
      while (trained.status === "queued" || trained.status === "running") {
        await new Promise((resume) => setTimeout(resume, POLL_MS));
        if (!alive()) return;
        trained = await get("/analytics/win-model", { version: trained.version });
        state.trainingNow = trained;
        draw();
      }
      state.model = (await optional("/analytics/win-model")) || trained;
      state.trainingNow = trained;
      toast(trained.status === "done" ? t("analytics.training_done", { version: trained.version }) : t("analytics.training_failed"), trained.status === "done" ? "ok" : "bad");
    } catch (error) {
      toast(error.message || t("common.failed"), "bad");
    }
    if (alive()) draw();
  }

  function draw() {
    render(
      html`<div class="an-settings">
        ${card(t("analytics.classification_schedule"), classificationForm(state.classification, saveClassification), {
          subtitle: t("analytics.classification_schedule_hint"),
          actions: scheduleBadge(state.classification.saved),
        })}
        <div class="stack">
          ${card(t("analytics.win_model"), modelFacts(state.model, state.trainingNow), {
            subtitle: t("analytics.win_model_hint"),
            actions: session.canWrite
              ? html`<button class="primary train" ?disabled=${busyTraining(state.trainingNow)} @click=${train}>${t("analytics.train_now")}</button>`
              : nothing,
          })}
          ${card(t("analytics.training_schedule"), trainingForm(state.training, saveTraining), {
            subtitle: t("analytics.training_schedule_hint"),
            actions: scheduleBadge(state.training.saved),
          })}
        </div>
      </div>`,
      root,
    );
  }

  draw();
}

const busyTraining = (model) => Boolean(model && (model.status === "queued" || model.status === "running"));

function scheduleBadge(saved) {
  if (!saved) return badge(t("analytics.not_scheduled"));
  return saved.enabled ? badge(t("analytics.schedule_on"), "good") : badge(t("analytics.schedule_off"), "warn");
}

// Names differ between the two forms, so that each label points at its own input.
function cronField(values, errors, name = "cron") {
  return field({
    label: t("analytics.cron"),
    name,
    value: values.cron,
    required: true,
    error: errors.cron,
    hint: t("analytics.cron_hint"),
  });
}

function enabledBox(values) {
  return html`<label class="an-check"><input type="checkbox" name="enabled" ?checked=${values.enabled} />
    <span>${t("analytics.enabled")}</span></label>`;
}

function actions(form) {
  return html`<div class="form-actions">
    <button type="submit" class="primary" ?disabled=${form.busy || !session.canWrite}>${t("common.save")}</button></div>`;
}

function classificationForm(form, submit) {
  const { values, errors, saved } = form;
  return html`<form class="schedule classification" @submit=${submit} novalidate>
    ${saved ? nothing : html`<p class="an-note">${t("analytics.no_classification_schedule")}</p>`}
    ${cronField(values, errors)}
    <div class="form-grid">
      ${parameterField(values, errors)}
      ${field({
        label: t("analytics.window_months"),
        name: "window_months",
        type: "number",
        value: values.window_months,
        required: true,
        attrs: { min: 1, max: 120 },
        error: errors.window_months,
        hint: t("analytics.window_months_hint"),
      })}
      ${limitFields("abc_limits", values.abc_limits, errors)}
      ${limitFields("xyz_limits", values.xyz_limits, errors)}
      ${xyzPeriodField(values, errors)}
    </div>
    ${enabledBox(values)}
    ${saved ? html`<p class="muted small">${t("analytics.updated_at", { at: dateTime(saved.updated_at) })}</p>` : nothing}
    ${actions(form)}
  </form>`;
}

function trainingForm(form, submit) {
  const { values, errors, saved } = form;
  return html`<form class="schedule training" @submit=${submit} novalidate>
    ${saved ? nothing : html`<p class="an-note">${t("analytics.no_training_schedule")}</p>`}
    <div class="form-grid">
      ${cronField(values, errors, "training_cron")}
      ${field({
        label: t("analytics.training_window"),
        name: "training_window_months",
        type: "number",
        value: values.window_months,
        required: true,
        attrs: { min: 1, max: 120 },
        error: errors.window_months,
      })}
    </div>
    ${enabledBox(values)}
    ${saved ? html`<p class="muted small">${t("analytics.updated_at", { at: dateTime(saved.updated_at) })}</p>` : nothing}
    ${actions(form)}
  </form>`;
}

const metric = (value, digits = 3) => (value === null || value === undefined ? "—" : number(value, digits));

function modelFacts(model, latest) {
  const training = latest && (!model || latest.version !== model.version) ? latest : null;
  if (!model && !training) return html`<p class="an-note">${t("analytics.no_model")}</p>`;
  const shown = model || training;
  const tone = { done: "good", failed: "bad", queued: "info", running: "info" }[shown.status];
  return html`<dl class="facts model">
      <dt>${t("analytics.version")}</dt><dd class="model-version">${number(shown.version)}
        ${shown.promoted ? badge(t("analytics.in_use"), "good") : badge(t(`analytics.run_${shown.status}`), tone)}</dd>
      ${shown.reason ? html`<dt>${t("analytics.reason")}</dt><dd>${shown.reason}</dd>` : nothing}
      <dt>${t("analytics.trained_at")}</dt><dd>${dateTime(shown.trained_at)}</dd>
      <dt>${t("analytics.n_deals")}</dt><dd>${number(shown.n_deals)} ${shown.held_out ? html`<span class="muted">${t("analytics.held_out", { n: number(shown.held_out) })}</span>` : nothing}</dd>
      ${shown.window_from ? html`<dt>${t("analytics.period")}</dt><dd>${date(shown.window_from)} – ${date(shown.window_to)}</dd>` : nothing}
      <dt title=${t("analytics.auc_hint")}>${t("analytics.auc")}</dt><dd>${metric(shown.metrics?.auc)}
        ${shown.baseline_metrics ? html`<span class="muted">${t("analytics.baseline_is", { value: metric(shown.baseline_metrics.auc) })}</span>` : nothing}</dd>
      <dt title=${t("analytics.brier_hint")}>${t("analytics.brier")}</dt><dd>${metric(shown.metrics?.brier)}
        ${shown.baseline_metrics ? html`<span class="muted">${t("analytics.baseline_is", { value: metric(shown.baseline_metrics.brier) })}</span>` : nothing}</dd>
    </dl>
    ${shown.status === "done" && !shown.promoted ? html`<p class="an-note">${t("analytics.not_promoted")}</p>` : nothing}
    ${training && model
      ? html`<p class="an-note latest-training">${t("analytics.latest_training", { version: number(training.version) })}
          ${badge(t(`analytics.run_${training.status}`), { done: "good", failed: "bad" }[training.status] || "info")}
          ${training.reason ? html`— ${training.reason}` : nothing}</p>`
      : nothing}`;
}
