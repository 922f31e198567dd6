// The Files tab of the counterparty card: its files (web/src/files.js), which stay with the card
// while it is open, so that "show archived" holds from one reload to the next.
import { FilesSection } from "../../files.js";
import { card, refresh } from "./card.js";

let section = null;

function sectionOf() {
  if (section?.owner !== `/counterparties/${card.id}`) section = new FilesSection(`/counterparties/${card.id}`, () => refresh());
  section.canAttach = !card.counterparty.archived_at;
  return section;
}

export const loadFiles = () => sectionOf().load();
export const viewFiles = (files) => files.view();
