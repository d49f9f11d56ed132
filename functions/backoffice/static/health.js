// Back office, "Queue health": the last minute's snapshot of GET /api/orders/holdstats as charts (inline
// SVG drawn here: held orders by hold type and by facility, the cumulative age histogram), and the held
// orders with their age in the queue coloured against their hold types' SLA. Refreshes every 30 s.
//
// Its own module: it shares app.js's api(), el(), problem() and state.token (one page, classic scripts),
// and starts and stops itself when app.js shows or hides the signed-in view (#app), so app.js does not
// know about it.
"use strict";

const HEALTH_REFRESH_MS = 30000;
// The SLA of a hold type: its expiresAfterMinutes (the hold would expire then anyway), else the held-order
// alarm's default (HeldOrderAgeAlarmMinutes, 240). Amber from half of it. docs/operations.md, "Queue health".
const DEFAULT_SLA_MINUTES = 240;
const AGE_LABELS = { 0: "any age", 15: "≥ 15 min", 60: "≥ 1 h", 240: "≥ 4 h", 1440: "≥ 1 day" };
const SVG = "http://www.w3.org/2000/svg";

const health = {
  timer: null,
  run: 0,                  // bumped by every stop: a start still awaiting its answers gives up
  types: new Map(),        // hold type key -> type (for the SLA)
  facilityNames: new Map(),
};

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

// Horizontal bars, one per [label, count, key]; the longest bar is the largest count.
function barChart(target, title, entries) {
  const row = 26, labelWidth = 150, barWidth = 190, width = labelWidth + barWidth + 50;
  const height = Math.max(1, entries.length) * row + 4;
  const largest = Math.max(1, ...entries.map(([, count]) => count));
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": title, class: "chart",
  }, svg("title", {}, title));
  entries.forEach(([label, count, key], index) => {
    const y = index * row + 2;
    const length = Math.round((count / largest) * barWidth);
    chart.append(svg("g", { class: "bar", "data-key": key, "data-count": count },
      svg("title", {}, `${label}: ${count}`),
      svg("text", { x: labelWidth - 8, y: y + 17, "text-anchor": "end", class: "label" }, label),
      svg("rect", { x: labelWidth, y: y + 3, width: Math.max(length, count > 0 ? 2 : 0), height: row - 8, rx: 3 }),
      svg("text", { x: labelWidth + length + 6, y: y + 17, class: "value" }, count),
    ));
  });
  if (entries.length === 0) chart.append(svg("text", { x: 8, y: 18, class: "label" }, "nothing held"));
  $(target).replaceChildren(chart);
}

function minutesSince(timestamp) {
  return Math.max(0, Math.floor((Date.now() - Date.parse(timestamp)) / 60000));
}

function duration(minutes) {
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  return `${Math.floor(minutes / 1440)} d ${Math.floor((minutes % 1440) / 60)} h`;
}

function slaOf(types) {
  return Math.min(...types.map((key) => (health.types.get(key) || {}).expiresAfterMinutes || DEFAULT_SLA_MINUTES));
}

function slaLevel(minutes, sla) {
  if (minutes >= sla) return ["breach", "over SLA"];
  if (minutes >= sla / 2) return ["warn", "near SLA"];
  return ["ok", "within SLA"];
}

async function loadHealthReferences() {
  const [types, facilities] = await Promise.all([
    api("GET", "/api/configurations/holds"),
    api("GET", "/api/facilities?size=100"),
  ]);
  if (types.status === 200) health.types = new Map(types.data.types.map((t) => [t.key, t]));
  if (facilities.status === 200) health.facilityNames = new Map(facilities.data.facilities.map((f) => [f.id, f.name]));
}

async function refreshHealth() {
  const stats = await api("GET", "/api/orders/holdstats");
  if (stats.status !== 200) { $("health-message").textContent = problem(stats); return; }
  $("health-message").textContent = "";
  renderHealth(stats.data);
  renderHeldAges(stats.data.longestHeld || []);  // the orders held longest, from the snapshot
}

function renderHealth(stats) {
  $("health-held").textContent = String(stats.held);
  $("health-oldest").textContent = stats.oldestHeldSince ? duration(minutesSince(stats.oldestHeldSince)) : "—";
  $("health-released").textContent = String(stats.releasedLastHour);
  $("health-at").textContent = `as of ${new Date(stats.at).toLocaleTimeString()}`;
  $("health-at").setAttribute("datetime", stats.at);
  $("health-partial").hidden = stats.complete !== false || stats.held === 0;
  barChart("chart-by-type", "Held orders by hold type",
    Object.entries(stats.byType).map(([type, count]) => [(health.types.get(type) || {}).name || type, count, type]));
  barChart("chart-by-facility", "Held orders by facility",
    Object.entries(stats.byFacility).map(([ref, count]) => [health.facilityNames.get(ref) || ref, count, ref]));
  barChart("chart-ages", "Held orders by time in the queue (cumulative)",
    stats.ageHistogram.map((b) => [AGE_LABELS[b.olderThanMinutes] || `≥ ${b.olderThanMinutes} min`, b.count,
      String(b.olderThanMinutes)]));
}

function renderHeldAges(orders) {
  const rows = orders
    .map((order) => ({ order, since: order.heldSince, types: order.types.length ? order.types : ["DEFAULT"] }))
    .map(({ order, since, types }) => {
      const minutes = minutesSince(since);
      const sla = slaOf(types);
      const [level, text] = slaLevel(minutes, sla);
      return el("tr", { "data-order-id": order.id, "data-sla": level },
        el("td", {}, order.tenantOrderId || order.id.slice(0, 8)),
        el("td", {}, types.join(", ")),
        el("td", {}, health.facilityNames.get(order.facilityRef) || "—"),
        el("td", { class: `sla ${level}`, title: `SLA ${duration(sla)}` }, `${duration(minutes)} · ${text}`),
      );
    });
  $("health-rows").replaceChildren(...rows);
}

async function startHealth() {
  stopHealth();
  const run = health.run;
  $("health").hidden = false;
  await loadHealthReferences();
  // stopped (signed out) or started again meanwhile: no request without a token, no second timer
  if (run !== health.run) return;
  await refreshHealth();
  if (run !== health.run) return;
  health.timer = setInterval(() => { if (!document.hidden && state.token) refreshHealth(); }, HEALTH_REFRESH_MS);
}

function stopHealth() {
  health.run += 1;
  if (health.timer) clearInterval(health.timer);
  health.timer = null;
  $("health").hidden = true;
}

// app.js shows #app when someone signs in and hides it on sign-out: follow it.
new MutationObserver(() => { if ($("app").hidden) stopHealth(); else startHealth(); })
  .observe($("app"), { attributes: true, attributeFilter: ["hidden"] });
$("health-refresh").addEventListener("click", () => refreshHealth());
