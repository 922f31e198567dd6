// The Mail screen's dialogs (reply, assign, a new mailbox, a new mailing) and attachment downloads.
import { ApiError, everything, post, saveFile } from "../../api.js";
import { dateTime, t } from "../../i18n.js";
import { session } from "../../session.js";
import { dialog, field, formValues, html, nothing, problem } from "../../ui.js";

const pad = (n) => String(n).padStart(2, "0");
const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};

// The API names a list's element ("to.0"); the form has one field for the whole list.
function fieldErrors(error) {
  const errors = {};
  if (!(error instanceof ApiError)) return errors;
  for (const [name, message] of Object.entries(error.fields)) {
    const key = name.replace(/\.\d+$/, "");
    errors[key] = errors[key] || message;
  }
  return errors;
}

// A form in a dialog that posts, shows the API's messages next to its fields and closes with the
// reply; `fields(values, errors, redraw)` draws its fields, `redraw` again after a choice.
export function formDialog(title, { className, fields, send, submitLabel, blocked = nothing }) {
  let values = null;
  let errors = {};
  let failure = null;
  return dialog(title, (close, redraw) => {
    async function submit(event) {
      event.preventDefault();
      values = formValues(event.target);
      try {
        close(await send(values));
      } catch (error) {
        errors = fieldErrors(error);
        failure = Object.keys(errors).length ? null : error;
        redraw();
      }
    }
    return html`<form class="mail-form ${className}" novalidate @submit=${submit}>
      ${fields(values, errors, redraw)}
      ${Object.keys(errors).length ? html`<div class="alert" role="alert">${t("common.fix_fields")}</div>` : nothing}
      ${failure ? problem(failure) : nothing}
      ${blocked}
      <div class="form-actions">
        <button type="button" class="ghost" @click=${() => close(null)}>${t("common.cancel")}</button>
        <button type="submit" class="primary" ?disabled=${blocked !== nothing}>${submitLabel}</button>
      </div>
    </form>`;
  });
}

const addresses = (text) => (text || "").split(/[\s,;]+/).filter(Boolean);

function quote(message) {
  const who = message.from_name || message.from_address;
  const lines = (message.text || "").split("\n").map((line) => `> ${line}`);
  return `\n\n${t("mail.quote_header", { date: dateTime(message.sent_at || message.created_at), who })}\n${lines.join("\n")}`;
}

export function replyDialog(message, mailbox) {
  const prefix = t("mail.reply_prefix");
  const subject = message.subject.toLowerCase().startsWith(prefix.trim().toLowerCase()) ? message.subject : `${prefix}${message.subject}`;
  const first = {
    to: (message.direction === "out" ? message.to : [message.from_address]).join(", "),
    subject,
    body_text: quote(message),
  };
  return formDialog(t("mail.reply_title"), {
    className: "reply-form",
    submitLabel: t("mail.send"),
    send: (values) =>
      post("/messages", {
        mailbox_id: message.mailbox_id,
        in_reply_to: message.id,
        to: addresses(values.to),
        cc: addresses(values.cc),
        subject: values.subject || "",
        body_text: values.body_text || "",
        ...(message.deal_id ? { deal_id: message.deal_id } : {}),
      }),
    fields: (values, errors) => {
      const v = values || first;
      return html`<p class="from-line">${t("mail.from")}: <strong>${mailbox.name}</strong> <span class="muted">&lt;${mailbox.address}&gt;</span></p>
        ${field({ label: t("mail.to"), name: "to", value: v.to, error: errors.to, required: true, hint: t("mail.addresses_hint") })}
        ${field({ label: t("mail.cc"), name: "cc", value: v.cc, error: errors.cc })}
        ${field({ label: t("mail.subject"), name: "subject", value: v.subject, error: errors.subject })}
        ${field({ label: t("mail.message"), name: "body_text", type: "textarea", value: v.body_text, error: errors.body_text })}`;
    },
  });
}

export async function assignDialog(message) {
  const people = [...(await everything("/users"))].sort((a, b) => a.full_name.localeCompare(b.full_name));
  const first = {
    assignee_id: message.assignee_id || session.me.id,
    due_date: message.due_date || today(),
    note: message.assignment_note || "",
  };
  return formDialog(t("mail.assign_title"), {
    className: "assign-form",
    submitLabel: t("mail.assign"),
    send: (values) => post(`/messages/${message.id}/assign`, values),
    fields: (values, errors) => {
      const v = values || first;
      return html`<p class="muted">${t("mail.assign_hint")}</p>
        <div class="form-grid">
          ${field({ label: t("mail.assignee"), name: "assignee_id", value: v.assignee_id, error: errors.assignee_id, required: true,
            options: people.map((u) => [u.id, u.full_name]) })}
          ${field({ label: t("mail.due_date"), name: "due_date", type: "date", value: v.due_date, error: errors.due_date, required: true })}
        </div>
        ${field({ label: t("mail.note"), name: "note", type: "textarea", value: v.note, error: errors.note })}`;
    },
  });
}

const SECURITY = () => [
  ["ssl", t("mail.security_ssl")],
  ["starttls", t("mail.security_starttls")],
  ["none", t("mail.security_none")],
];

// A mailbox's IMAP or SMTP server, its fields named "imap.host"...; the password is write-only.
export function server(kind, v, errors, passwordHint = t("mail.password_hint")) {
  const name = (key) => `${kind}.${key}`;
  return html`<fieldset class="server"><legend>${t(`mail.${kind}_server`)}</legend>
    <div class="server-grid">
      ${field({ label: t("mail.host"), name: name("host"), value: v[name("host")], error: errors[name("host")], required: true,
        hint: t(`mail.${kind}_host_hint`) })}
      ${field({ label: t("mail.port"), name: name("port"), type: "number", value: v[name("port")], error: errors[name("port")], required: true,
        attrs: { min: 1, max: 65535 } })}
      ${field({ label: t("mail.security"), name: name("security"), value: v[name("security")], error: errors[name("security")], required: true,
        options: SECURITY() })}
    </div>
    <div class="form-grid">
      ${field({ label: t("mail.username"), name: name("username"), value: v[name("username")], error: errors[name("username")] })}
      ${field({ label: t("mail.password"), name: name("password"), type: "password", value: "", error: errors[name("password")],
        hint: passwordHint })}
    </div>
  </fieldset>`;
}

function serverBody(values, kind) {
  const port = values[`${kind}.port`];
  return {
    host: values[`${kind}.host`] || "",
    port: port === undefined ? undefined : Number(port),
    security: values[`${kind}.security`],
    username: values[`${kind}.username`] || "",
    password: values[`${kind}.password`] || "",
  };
}

export function mailboxDialog() {
  const first = { kind: "personal", "imap.port": "993", "imap.security": "ssl", "smtp.port": "465", "smtp.security": "ssl" };
  return formDialog(t("mail.new_mailbox"), {
    className: "mailbox-form",
    submitLabel: t("mail.connect"),
    send: (values) =>
      post("/mailboxes", {
        name: values.name || "",
        address: values.address || "",
        kind: values.kind,
        imap: serverBody(values, "imap"),
        smtp: serverBody(values, "smtp"),
      }),
    fields: (values, errors) => {
      const v = values || first;
      return html`<p class="muted">${t("mail.new_mailbox_hint")}</p>
        <div class="form-grid">
          ${field({ label: t("mail.mailbox_name"), name: "name", value: v.name, error: errors.name, required: true })}
          ${field({ label: t("mail.address"), name: "address", type: "email", value: v.address, error: errors.address, required: true })}
          ${field({ label: t("mail.kind"), name: "kind", value: v.kind, error: errors.kind, required: true,
            options: [["personal", t("mail.kind_personal")], ["shared", t("mail.kind_shared")]], hint: t("mail.kind_hint") })}
        </div>
        ${server("imap", v, errors)}
        ${server("smtp", v, errors)}`;
    },
  });
}

export function mailingDialog(groups, templates, mailboxes) {
  const missing = [
    groups.length ? null : t("mail.need_group"),
    templates.length ? null : t("mail.need_template"),
    mailboxes.length ? null : t("mail.need_mailbox"),
  ].filter(Boolean);
  const first = { per_minute: "600" };
  const named = (list) => [...list].sort((a, b) => a.name.localeCompare(b.name)).map((item) => [item.id, item.name]);
  return formDialog(t("mail.new_mailing"), {
    className: "mailing-form",
    submitLabel: t("mail.start_mailing"),
    blocked: missing.length
      ? html`<div class="notice" role="note">${missing.map((text) => html`<p>${text}</p>`)}</div>`
      : nothing,
    send: (values) =>
      post("/mail/mailings", {
        ...values,
        per_minute: values.per_minute === undefined ? undefined : Number(values.per_minute),
      }),
    fields: (values, errors) => {
      const v = values || first;
      return html`<p class="muted">${t("mail.new_mailing_hint")}</p>
        ${field({ label: t("mail.address_group"), name: "address_group_id", value: v.address_group_id, error: errors.address_group_id,
          required: true, options: named(groups) })}
        ${field({ label: t("mail.template"), name: "template_id", value: v.template_id, error: errors.template_id, required: true,
          options: named(templates) })}
        <div class="form-grid">
          ${field({ label: t("mail.from_mailbox"), name: "mailbox_id", value: v.mailbox_id, error: errors.mailbox_id, required: true,
            options: named(mailboxes) })}
          ${field({ label: t("mail.per_minute"), name: "per_minute", type: "number", value: v.per_minute, error: errors.per_minute,
            attrs: { min: 1, max: 60000 }, hint: t("mail.per_minute_hint") })}
        </div>`;
    },
  });
}

// Attachments need the bearer token, so they are fetched and handed to the browser as a file.
export function downloadAttachment(messageId, index, filename) {
  return saveFile(`/messages/${encodeURIComponent(messageId)}/attachments/${index}`, {}, filename);
}
