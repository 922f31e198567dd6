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

// Dates (YYYY-MM-DD) are calendar days: shown as they are, whatever the browser's time zone.
export function date(value) {
  if (!value) return "—";
  const options = value.length === 10 ? { dateStyle: "medium", timeZone: "UTC" } : { dateStyle: "medium" };
  return new Intl.DateTimeFormat(TAGS[language], options).format(new Date(value));
}

export function dateTime(value) {
  if (!value) return "—";
  return new Intl.DateTimeFormat(TAGS[language], { dateStyle: "medium", timeStyle: "short" }).format(
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
  return new Intl.DateTimeFormat(TAGS[language], { timeStyle: "short" }).format(new Date(value));
}

// "Monday" for a calendar day (YYYY-MM-DD) or a moment.
export function weekday(value, style = "long") {
  const options = value.length === 10 ? { weekday: style, timeZone: "UTC" } : { weekday: style };
  return new Intl.DateTimeFormat(TAGS[language], options).format(new Date(value));
}

// The browser's calendar day of a moment as YYYY-MM-DD (today when left out).
export function calendarDay(moment = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}`;
}
