import { emptyState, render } from "../ui.js";

export async function show(root) {
  render(emptyState("board", "…"), root);
}
