// The company's settings: the time zone its days are counted in (My day, reminders, overdue);
// everyone who did not choose his own reads in it. An admin changes it; a director reads it.
import { ApiError, get, isStale, putVersion } from "../../api.js";
import { setTimeZone, t } from "../../i18n.js";
import { session } from "../../session.js";
import { field, html, render, toast } from "../../ui.js";

// The zones a Vietnamese company deals in first, then every one the browser knows (its own names:
// Chromium says Asia/Saigon for Asia/Ho_Chi_Minh, both of which the API takes).
const NEAR = ["Asia/Ho_Chi_Minh", "Asia/Bangkok", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Asia/Seoul", "UTC", "Europe/Berlin", "Europe/London", "America/New_York"];
export const zones = (current) => [...new Set([current, ...NEAR, ...Intl.supportedValuesOf("timeZone")])].filter(Boolean);

export async function show(root, { alive, reload }) {
  const setting = await get("/settings/time-zone");
  if (!alive()) return;
  const admin = session.hasRole("admin");
  const draw = (error) => render(html`<section class="card company-settings">
      <h2>${t("setup.company_time_zone")}</h2>
      <p class="muted">${t("setup.company_time_zone_hint")}</p>
      <form novalidate @submit=${submit}>
        ${field({ label: t("setup.time_zone"), name: "time_zone", value: setting.time_zone, error, required: true,
          options: zones(setting.time_zone).map((zone) => [zone, zone]) })}
        ${admin ? html`<button class="primary" type="submit">${t("common.save")}</button>`
          : html`<p class="muted">${t("setup.company_time_zone_admin_only")}</p>`}
      </form>
    </section>`, root);
  const submit = async (event) => {
    event.preventDefault();
    const zone = event.target.elements.time_zone.value;
    try {
      const saved = await putVersion("/settings/time-zone", { time_zone: zone }, setting.version);
      if (!session.me.time_zone) setTimeZone(saved.time_zone);
      toast(t("setup.company_time_zone_saved", { zone: saved.time_zone }));
      reload();
    } catch (error) {
      if (isStale(error)) return reload();
      if (!(error instanceof ApiError)) throw error;
      draw(error.fields.time_zone || error.message);
    }
  };
  draw();
}
