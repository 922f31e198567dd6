// Hash routes: "#/deals/42?tab=timeline" → the deal screen with {id: "42"} and {tab: "timeline"}.
const routes = [];

export function route(pattern, load) {
  const names = [];
  const regex = new RegExp(
    `^${pattern.replace(/:(\w+)/g, (_, name) => {
      names.push(name);
      return "([^/]+)";
    })}$`,
  );
  routes.push({ regex, names, load });
}

export function current() {
  const [path, search = ""] = (window.location.hash.slice(1) || "/").split("?");
  for (const { regex, names, load } of routes) {
    const found = path.match(regex);
    if (found) {
      const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
      return { path, params, query: Object.fromEntries(new URLSearchParams(search)), load };
    }
  }
  return null;
}

export function go(path, query = {}) {
  const search = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== "" && v != null));
  window.location.hash = search.toString() ? `${path}?${search}` : path;
}
