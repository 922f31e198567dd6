// The public API (/api/v1), nothing else: problems become ApiError with one message per field,
// said in the reader's language from the error's code and parameters where the catalogue has it.
import { has, t } from "./i18n.js";
import { session } from "./session.js";

function said(error) {
  const key = `errors.${error.code}`;
  return error.code && error.code !== "invalid" && has(key) ? t(key, error.params || {}) : error.message;
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.fields = {};
    for (const error of problem.errors || []) {
      const field = String(error.field || "").replace(/^body\./, "");
      this.fields[field] = this.fields[field] || said(error);
    }
  }
}

let onSignedOut = () => {};
export function whenSignedOut(callback) {
  onSignedOut = callback;
}

function address(path, query) {
  const url = new URL(`/api/v1${path}`, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  return url;
}

async function send(path, { method = "GET", body, query, headers: extra = {} } = {}) {
  const headers = { Accept: "application/json", ...extra };
  const tokens = session.tokens;
  if (tokens) headers.Authorization = `Bearer ${tokens.access_token}`;
  // A FormData body goes as multipart: the browser writes its Content-Type with the boundary.
  const multipart = body instanceof FormData;
  if (body !== undefined && !multipart) headers["Content-Type"] = "application/json";
  return fetch(address(path, query), {
    method,
    headers,
    body: body === undefined || multipart ? body : JSON.stringify(body),
  });
}

async function refreshed() {
  const tokens = session.tokens;
  if (!tokens) return false;
  const reply = await fetch(address("/auth/refresh"), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: tokens.refresh_token }),
  });
  if (!reply.ok) return false;
  session.tokens = await reply.json();
  return true;
}

export async function api(path, options = {}) {
  let reply = await send(path, options);
  if (reply.status === 401 && path !== "/auth/login" && (await refreshed())) {
    reply = await send(path, options);
  }
  if (reply.status === 401 && path !== "/auth/login") {
    session.tokens = null;
    onSignedOut();
  }
  if (reply.status === 204) return null;
  const type = reply.headers.get("Content-Type") || "";
  const payload = type.includes("json") ? await reply.json() : { title: await reply.text() };
  // Her password was reset meanwhile: starting again shows the screen that changes it.
  if (reply.status === 403 && payload.code === "must_change_password") onSignedOut();
  if (!reply.ok) throw new ApiError(reply.status, payload);
  return payload;
}

export const get = (path, query) => api(path, { query });
export const post = (path, body = {}) => api(path, { method: "POST", body });
export const patch = (path, body) => api(path, { method: "PATCH", body });
export const put = (path, body) => api(path, { method: "PUT", body });
export const remove = (path, options = {}) => api(path, { method: "DELETE", ...options });

// A change made on the version of a record one read: its ETag goes along as If-Match, and the
// API answers 412 when someone changed the record meanwhile (see `isStale`).
export const ifMatch = (version) => (version === undefined || version === null ? {} : { "If-Match": `"${version}"` });
export const patchVersion = (path, body, version) => api(path, { method: "PATCH", body, headers: ifMatch(version) });
export const postVersion = (path, body, version) => api(path, { method: "POST", body, headers: ifMatch(version) });
export const putVersion = (path, body, version) => api(path, { method: "PUT", body, headers: ifMatch(version) });
export const removeVersion = (path, version) => remove(path, { headers: ifMatch(version) });
export const isStale = (error) => error instanceof ApiError && error.status === 412;
export const isConflict = (error) => error instanceof ApiError && error.status === 409;

// A file with its fields, as multipart/form-data: `fields` is a FormData (a form's, or built).
export const upload = (path, fields) => api(path, { method: "POST", body: fields });

// Every page of a list, for the screens that show a whole set (a board, a matrix).
export async function everything(path, query = {}) {
  const items = [];
  for (let page = 1; ; page += 1) {
    const reply = await get(path, { ...query, page, page_size: 500 });
    items.push(...reply.items);
    if (items.length >= reply.total || reply.items.length === 0) return items;
  }
}

// A file from the API, handed to the browser: it needs the bearer token, so a plain link will not do.
export async function saveFile(path, query, filename) {
  let reply = await send(path, { query });
  if (reply.status === 401 && (await refreshed())) reply = await send(path, { query });
  if (!reply.ok) {
    const type = reply.headers.get("Content-Type") || "";
    throw new ApiError(reply.status, type.includes("json") ? await reply.json() : { title: reply.statusText });
  }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await reply.blob());
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

// A report as CSV (`?format=csv`).
export function download(path, query, filename) {
  return saveFile(path, { ...query, format: "csv" }, filename);
}
