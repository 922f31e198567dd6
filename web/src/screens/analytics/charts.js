// Chart.js with only the pieces the analytics use; every chart drawn here is destroyed before
// its canvas is drawn again and when the user leaves the analytics.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  PointElement,
  ScatterController,
  Tooltip,
} from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, PointElement, ScatterController, Tooltip, Legend);

const drawn = new Set();

function css(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

export function colours() {
  return {
    accent: css("--accent") || "#1f6feb",
    accentSoft: "#9ec1f7",
    good: css("--good") || "#1a7f37",
    bad: css("--bad") || "#c62828",
    warn: "#e0a100",
    muted: css("--muted") || "#667085",
    line: css("--line") || "#e3e7ee",
    ink: css("--ink") || "#1d2433",
    series: ["#1f6feb", "#f97316", "#1a7f37", "#8b5cf6", "#e11d48", "#0891b2", "#b26a00", "#64748b"],
  };
}

function defaults() {
  const root = getComputedStyle(document.documentElement);
  Chart.defaults.font.family = root.fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = colours().muted;
  Chart.defaults.borderColor = colours().line;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.position = "bottom";
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
  Chart.defaults.plugins.tooltip.backgroundColor = "#101828";
  Chart.defaults.plugins.tooltip.padding = 10;
}

export function drawChart(canvas, config) {
  if (!canvas) return null;
  defaults();
  Chart.getChart(canvas)?.destroy();
  const chart = new Chart(canvas, config);
  drawn.add(chart);
  return chart;
}

// The options of a bar chart lying on its side with one series, so without a legend: `scales` as
// given, and a tooltip that says describe(index) of the bar under the pointer (a line or several).
export function sidewaysBars(describe, scales) {
  return {
    indexAxis: "y",
    plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => describe(item.dataIndex) } } },
    scales,
  };
}

export function forgetCharts() {
  for (const chart of drawn) chart.destroy();
  drawn.clear();
}

window.addEventListener("hashchange", () => {
  if (!window.location.hash.startsWith("#/analytics")) forgetCharts();
});
