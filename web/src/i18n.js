// One catalogue per language: locales/<lang>/<area>.json, a key is "<area>.<name>".
const files = import.meta.glob("../locales/*/*.json", { eager: true, import: "default" });
const catalogue = {};
for (const [path, labels] of Object.entries(files)) {
  const [, lang, area] = path.match(/locales\/(\w+)\/(\w+)\.json$/);
  catalogue[lang] = catalogue[lang] || {};
  for (const [name, label] of Object.entries(labels)) catalogue[lang][`${area}.${name}`] = label;
}

export const LANGUAGES = { en: "English", vi: "Tiếng Việt" };
const TAGS = { en: "en-GB", vi: "vi-VN" };
const KEY = "crm.language";

// The language chosen last, in this tab or another one (a start reads it afresh, so that a start
// begun before a choice does not write the old language back over it).
export const storedLanguage = () =>
  localStorage.getItem(KEY) || (navigator.language.startsWith("vi") ? "vi" : "en");
export let language = storedLanguage();

export function setLanguage(lang) {
  language = lang;
  localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang;
}

// Whether a catalogue has the key, in the reader's language or in English.
export const has = (key) => key in (catalogue[language] || {}) || key in (catalogue.en || {});

export function t(key, params = {}) {
  const label = catalogue[language]?.[key] ?? catalogue.en?.[key] ?? key;
  return label.replace(/\{(\w+)\}/g, (_, name) => (name in params ? params[name] : `{${name}}`));
}

export function money(amount, currency = "VND") {
  if (amount === null || amount === undefined || amount === "") return "—";
  try {
    return new Intl.NumberFormat(TAGS[language], {
      style: "currency",
      currency,
      maximumFractionDigits: currency === "VND" ? 0 : 2,
    }).format(Number(amount));
  } catch {
    return `${amount} ${currency}`;
  }
}

export function number(value, digits = 0) {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(TAGS[language], { maximumFractionDigits: digits }).format(value);
}

export function percent(ratio, digits = 0) {
  if (ratio === null || ratio === undefined) return "—";
  return new Intl.NumberFormat(TAGS[language], {
    style: "percent",
    maximumFractionDigits: digits,
  }).format(ratio);
}

// The reader's time zone: the user's, else the company's (from /me); the browser's until then.
export let timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

export function setTimeZone(zone) {
  if (zone) timeZone = zone;
}

// A moment on the reader's clock: its calendar day (YYYY-MM-DD) and its time (HH:MM:SS).
function clock(moment) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  }).formatToParts(moment);
  const part = Object.fromEntries(parts.map(({ type, value }) => [type, value]));
  return { day: `${part.year}-${part.month}-${part.day}`, time: `${part.hour}:${part.minute}:${part.second}` };
}

// How many minutes the reader's clock is ahead of UTC at a moment.
function offset(moment) {
  const { day, time: at } = clock(moment);
  return (Date.parse(`${day}T${at}Z`) - Math.floor(moment.getTime() / 1000) * 1000) / 60000;
}

// The moment a day (YYYY-MM-DD) and time (HH:MM) on the reader's clock is; midnight when no time.
export function momentOf(day, at = "00:00") {
  const asIfUtc = Date.parse(`${day}T${at}:00Z`);
  const first = new Date(asIfUtc - offset(new Date(asIfUtc)) * 60000);
  return new Date(asIfUtc - offset(first) * 60000);  // the offset where it lands (summer time)
}

// A moment as the value of an <input type=datetime-local> on the reader's clock, and back.
export function localInput(moment = new Date()) {
  const { day, time: at } = clock(new Date(moment));
  return `${day}T${at.slice(0, 5)}`;
}

export const fromLocalInput = (value) => momentOf(value.slice(0, 10), value.slice(11, 16));

// The reader's calendar day of a moment as YYYY-MM-DD (today when left out).
export const calendarDay = (moment = new Date()) => clock(new Date(moment)).day;

// A calendar day n days after another (before, when n < 0).
export function addDays(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

// 0 for Sunday … 6 for Saturday, of a calendar day.
export const dayOfWeek = (day) => new Date(`${day}T00:00:00Z`).getUTCDay();

// Calendar days (YYYY-MM-DD) are shown as they are; moments on the reader's clock.
const zoneOf = (value) => (value.length === 10 ? "UTC" : timeZone);

export function date(value) {
  if (!value) return "—";
  return new Intl.DateTimeFormat(TAGS[language], { dateStyle: "medium", timeZone: zoneOf(value) }).format(new Date(value));
}

export function dateTime(value) {
  if (!value) return "—";
  return new Intl.DateTimeFormat(TAGS[language], { dateStyle: "medium", timeStyle: "short", timeZone }).format(
    new Date(value),
  );
}

export function month(value) {
  return new Intl.DateTimeFormat(TAGS[language], { month: "short", year: "numeric", timeZone: "UTC" }).format(
    new Date(`${value.slice(0, 7)}-01`),
  );
}

export function time(value) {
  if (!value) return "—";
  return new Intl.DateTimeFormat(TAGS[language], { timeStyle: "short", timeZone }).format(new Date(value));
}

// "Monday" for a calendar day (YYYY-MM-DD) or a moment.
export function weekday(value, style = "long") {
  return new Intl.DateTimeFormat(TAGS[language], { weekday: style, timeZone: zoneOf(value) }).format(new Date(value));
}
