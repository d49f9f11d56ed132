// Back office: the queue of locked orders with their holds, their detail, release / approve one hold,
// place a hold (also on an OPEN order, by its id), unlock / cancel / bulk unlock / bulk force cancel, and
// the auto-lock rules (list, edit as JSON, dry run). Plain JS, no build step. Sign-in (user name and password) gives an access token kept in memory for
// this tab; every call goes through api(), which sends it. Actions show only with their permission.
"use strict";

const BASE = location.pathname.replace(/\/backoffice.*$/, "");
const PAGE_SIZE = 25;
const state = {
  token: null,               // in memory only: gone when the tab closes
  me: null,                  // {actor, permissions, groups} of the signed-in user
  holdTypes: new Map(),      // key -> hold type (/api/configurations/holds; DEFAULT among them)
  facilities: new Map(),     // id -> facility
  cursors: [null],           // startAfterId of each page seen so far
  page: 0,
  orders: [],
  selected: new Map(),       // order id -> version
  current: null,             // the order shown in the detail panel
};

const $ = (id) => document.getElementById(id);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const response = await fetch(BASE + path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (response.status === 401 && state.token) signOut("Your session has ended: please sign in again.");
  return { status: response.status, data };
}

const can = (permission) => Boolean(state.me && state.me.permissions.includes(permission));

async function signIn(username, password) {
  const reply = await api("POST", "/api/auth/login", { username, password });
  if (reply.status !== 200) { $("signin-message").textContent = problem(reply); return; }
  state.token = reply.data.accessToken;
  const me = await api("GET", "/api/auth/me");
  if (me.status !== 200) { signOut(problem(me)); return; }
  state.me = me.data;
  $("signin-message").textContent = "";
  $("actor").textContent = `Signed in as ${state.me.actor}`;
  $("signin").hidden = true;
  $("whoami").hidden = false;
  $("app").hidden = false;
  $("bulk-unlock").hidden = !can("ORDER_UNLOCK");
  $("bulk-force-cancel").hidden = !can("ORDER_FORCE_CANCEL");
  $("hold-lookup").hidden = !can("ORDER_HOLD");
  $("show-rules").hidden = !can("CONFIG_WRITE");
  $("show-queue").hidden = !can("CONFIG_WRITE");  // one view only: no choice to offer
  showView("queue");
  await Promise.all([loadFacilities(), loadHoldTypes()]);
  await restart();
}

function signOut(message = "") {
  state.token = null;
  state.me = null;
  state.selected.clear();
  state.current = null;
  $("app").hidden = true;
  $("rules-view").hidden = true;
  $("detail").hidden = true;
  $("whoami").hidden = true;
  $("signin").hidden = false;
  $("password").value = "";
  $("signin-message").textContent = message;
}

function problem(reply) {
  const first = Array.isArray(reply.data) && reply.data[0];
  if (first && first.summary) return first.summary;
  if (reply.status === 401) return "Please sign in: the access token is missing or expired.";
  if (reply.status === 403) return "You are not allowed to do this.";
  return `The service answered ${reply.status}.`;
}

// A refusal with the place it names (a 400's description says which field or pattern failed).
function problemWithPlace(reply) {
  const first = Array.isArray(reply.data) && reply.data[0];
  return first && first.description ? `${problem(reply)} (at ${first.description})` : problem(reply);
}

function say(text, isError = false, box = $("message")) {
  box.replaceChildren(...[text].flat().filter((part) => part !== ""));
  box.classList.toggle("error", isError);
}

// ------------------------------------------------------------------ helpers ---
function age(created) {
  const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(created)) / 60000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

function customerName(order) {
  const address = ((order.consumer || {}).addresses || [])[0] || {};
  const name = [address.firstName, address.lastName].filter(Boolean).join(" ");
  return name || address.companyName || (order.consumer || {}).email || "—";
}

function facilityName(ref) {
  if (!ref) return "not routable";
  const facility = state.facilities.get(ref);
  return facility ? facility.name : ref;
}

function items(order) {
  return (order.orderLineItems || []).reduce((sum, line) => sum + (line.quantity || 0), 0);
}

function when(timestamp) {
  return timestamp ? new Date(timestamp).toLocaleString() : "—";
}

function duration(minutes) {
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

// "expires in 1 h 5 min": refreshed every 30 s by tick() on every element that carries data-expires-at
function countdown(expiresAt) {
  const minutes = Math.ceil((Date.parse(expiresAt) - Date.now()) / 60000);
  return minutes > 0 ? `expires in ${duration(minutes)}` : "expired: the expiry job acts within a minute";
}

function tick() {
  for (const node of document.querySelectorAll("[data-expires-at]")) {
    node.textContent = countdown(node.dataset.expiresAt) + (node.dataset.onExpiry ? `, then ${node.dataset.onExpiry}` : "");
  }
}

// -------------------------------------------------------------------- holds ---
const ACTIVE = "ACTIVE";
const holdsOf = (order) => order.holds || [];
const activeHolds = (order) => holdsOf(order).filter((hold) => hold.status === ACTIVE);
const myGroups = () => (state.me && state.me.groups) || [];

async function loadHoldTypes() {
  const reply = await api("GET", "/api/configurations/holds");
  if (reply.status !== 200) { say(problem(reply), true); return; }
  state.holdTypes = new Map(reply.data.types.map((type) => [type.key, type]));
  const filter = $("hold-type");
  const chosen = filter.value;
  filter.replaceChildren(el("option", { value: "" }, "All hold types"));
  const form = $("hold-form-type");
  form.replaceChildren();
  for (const type of state.holdTypes.values()) {
    filter.append(el("option", { value: type.key }, `${type.key} · ${type.name}`));
    form.append(el("option", { value: type.key }, `${type.key} · ${type.name}`));
  }
  filter.value = chosen;
}

function typeLabel(key) {
  const type = state.holdTypes.get(key);
  return type && type.name ? `${key} · ${type.name}` : key;
}

// Who may release a hold, as the server decides it (holds/rules.py may_release): DEFAULT (and a type since
// removed from the configuration) needs ORDER_UNLOCK, any other type membership of one of its releaseGroups.
// Only to grey out a button: the server checks again and its 403 is shown.
function releaseRule(hold) {
  return hold.type === "DEFAULT" ? null : state.holdTypes.get(hold.type) || null;
}

function mayRelease(hold) {
  const rule = releaseRule(hold);
  if (!rule) return can("ORDER_UNLOCK");
  return (rule.releaseGroups || []).some((group) => myGroups().includes(group));
}

function releaseNeeds(hold) {
  const rule = releaseRule(hold);
  if (!rule) return "Releasing this hold needs the permission ORDER_UNLOCK.";
  return `Releasing a ${hold.type} hold needs membership of ${(rule.releaseGroups || []).join(", ") || "(no group)"}.`;
}

function approvedBy(hold) {
  return (hold.approvals || []).map((approval) => approval.by);
}

// A hold that needs two people and has no approval yet: the first click approves, it does not release.
const approves = (hold) => (hold.requiredApprovals || 1) > 1 && approvedBy(hold).length === 0;

function holdButton(order, hold, where) {
  const allowed = mayRelease(hold);
  const label = approves(hold) ? "Approve" : "Release";
  let title = approves(hold) ? "First of two approvals (four eyes): a second person releases it." : "Release this hold.";
  if (approvedBy(hold).includes(state.me.actor)) title = "You approved it: a second person must release it.";
  if (!allowed) title = releaseNeeds(hold);
  return el("button", {
    type: "button",
    class: "hold-action",
    "data-testid": "release-hold",
    "data-hold-id": hold.id,
    title,
    "aria-label": `${label} the ${hold.type} hold${hold.reason ? ` (${hold.reason})` : ""}`
      + (allowed ? "" : `: not allowed. ${title}`),
    disabled: !allowed,
    onclick: () => releaseHold(order, hold, where),
  }, label);
}

function holdItem(order, hold, where) {
  const placed = hold.placedByRule ? `rule ${hold.placedByRule}` : hold.placedBy || "—";
  const approvals = (hold.approvals || []).map((approval) => `${approval.by} (${when(approval.at)})`);
  const needed = (hold.requiredApprovals || 1) > 1 ? `approvals ${approvals.length} of ${hold.requiredApprovals}` : null;
  return el("li", {
    class: `hold ${hold.status}`, "data-hold-id": hold.id, "data-hold-type": hold.type, "data-hold-status": hold.status,
  },
    el("span", { class: "hold-type" }, typeLabel(hold.type)),
    hold.status !== ACTIVE ? el("span", { class: "badge" }, hold.status) : null,
    hold.reason ? el("span", { class: "hold-reason" }, hold.reason) : null,
    el("span", { class: "hold-meta" }, `placed by ${placed}, ${when(hold.placedAt)}`),
    needed ? el("span", { class: "hold-meta", "data-testid": "approvals" },
      `${needed}${approvals.length ? `: ${approvals.join(", ")}` : ""}`) : null,
    hold.status === ACTIVE && hold.expiresAt ? el("span", {
      class: "hold-expiry", title: when(hold.expiresAt), "data-expires-at": hold.expiresAt,
      "data-on-expiry": hold.onExpiry || null,
    }, countdown(hold.expiresAt) + (hold.onExpiry ? `, then ${hold.onExpiry}` : "")) : null,
    hold.releasedAt ? el("span", { class: "hold-meta" },
      `${hold.status === "EXPIRED" ? "expired" : "released"} ${when(hold.releasedAt)}`
        + (hold.releasedBy ? ` by ${hold.releasedBy}` : "")) : null,
    hold.status === ACTIVE ? holdButton(order, hold, where) : null,
  );
}

function holdList(order, holds, where) {
  return el("ul", { class: "holds", "data-testid": "holds" }, holds.map((hold) => holdItem(order, hold, where)));
}

// The answer of an action is the order as it is now: its row (new version!) and its detail follow it;
// an order that is no longer LOCKED leaves the queue. Then the queue is read again (count, other changes).
async function applyOrder(order) {
  const index = state.orders.findIndex((o) => o.id === order.id);
  if (index >= 0) {
    if (order.status === "LOCKED") state.orders[index] = order; else state.orders.splice(index, 1);
  }
  if (state.selected.has(order.id)) state.selected.set(order.id, order.version);
  if (state.current && state.current.id === order.id) { state.current = order; renderDetail(); }
  renderQueue();
  await loadQueue();
}

function messageBox(where) {
  return where === "detail" ? $("detail-message") : $("message");
}

// A 409 after someone else changed the order (its version moved on) offers a Refresh; any other refusal
// (403 without the type's release right, 409 "approved it already", "fulfilment has started") is shown as
// the server words it.
function refused(where, reply, order) {
  const current = (Array.isArray(reply.data) && reply.data[0]) || {};
  const stale = reply.status === 409 && current.version !== undefined && current.version !== order.version;
  if (stale) {
    say([
      `Someone else changed this order meanwhile (it is now at version ${current.version}). ${current.summary || ""} `,
      el("button", { type: "button", "data-testid": "refresh-order", onclick: () => refreshOrder(order.id) }, "Refresh"),
    ], true, messageBox(where));
  } else {
    say(problem(reply), true, messageBox(where));
  }
}

async function refreshOrder(orderId) {
  const reply = await api("GET", `/api/orders/${encodeURIComponent(orderId)}`);
  if (reply.status === 200) await applyOrder(reply.data); else await loadQueue();
}

function label(order) {
  return order.tenantOrderId || order.id;
}

async function releaseHold(order, hold, where) {
  // releasing the last hold unlocks the order: asked first, as Unlock (not when this click only approves, or
  // when the server will refuse it because this person approved it already)
  const last = activeHolds(order).length === 1 && !approves(hold) && !approvedBy(hold).includes(state.me.actor);
  if (last && !(await confirmStep(`Release the last hold of order ${label(order)}? It will be unlocked and get a `
    + `pick job at ${facilityName((order.routing || {}).facilityRef)}.`))) return;
  const reply = await api("POST", `/api/orders/${encodeURIComponent(order.id)}/actions`,
    { name: "RELEASE_HOLD", version: order.version, holdId: hold.id });
  if (reply.status !== 200) { refused(where, reply, order); return; }
  const after = holdsOf(reply.data).find((h) => h.id === hold.id) || {};
  const text = after.status === ACTIVE
    ? `Approved the ${hold.type} hold of order ${label(order)}: a second person releases it.`
    : reply.data.status === "LOCKED"
      ? `Released the ${hold.type} hold of order ${label(order)}; ${activeHolds(reply.data).length} hold(s) left.`
      : `Released the last hold: order ${label(order)} is now ${reply.data.status}.`;
  say(text, false, messageBox(where));
  await applyOrder(reply.data);
}

function openHoldForm(open) {
  $("hold-form").hidden = !open;
  $("place-hold").setAttribute("aria-expanded", String(open));
  if (open) $("hold-form-type").focus();
}

async function placeHold(event) {
  event.preventDefault();
  const order = state.current;
  const body = { name: "PLACE_HOLD", version: order.version, type: $("hold-form-type").value };
  const reason = $("hold-form-reason").value.trim();
  if (reason) body.reason = reason;
  const expires = $("hold-form-expires").value;
  if (expires) body.expiresAt = new Date(expires).toISOString();  // the local time the user picked, in UTC
  const reply = await api("POST", `/api/orders/${encodeURIComponent(order.id)}/actions`, body);
  if (reply.status !== 200) { refused("detail", reply, order); return; }
  $("hold-form").reset();
  openHoldForm(false);
  say(order.status === "OPEN"
    ? `Order ${label(order)} is held again: it is LOCKED and its pick job is cancelled.`
    : `Placed a ${body.type} hold on order ${label(order)}.`, false, $("detail-message"));
  // a re-locked order was not in the queue: it is now
  if (!state.orders.some((o) => o.id === order.id)) state.orders.push(reply.data);
  await applyOrder(reply.data);
}

// "Hold an order": OPEN orders are not in the queue, so one is found by its id (or tenantOrderId).
async function lookUpToHold(event) {
  event.preventDefault();
  const wanted = $("hold-lookup-id").value.trim();
  // by tenantOrderId first (a listing: an empty answer is no error), then by id
  const found = await api("GET", `/api/orders?${new URLSearchParams({ tenantOrderId: wanted, size: "1" })}`);
  let reply = found.status === 200 && found.data.orders.length ? { status: 200, data: found.data.orders[0] } : null;
  if (!reply) reply = await api("GET", `/api/orders/${encodeURIComponent(wanted)}`);
  if (reply.status === 404) reply.data = [{ summary: `No order with the id or tenant order id '${wanted}'.` }];
  if (reply.status !== 200) { say(problem(reply), true); return; }
  say("");
  state.current = reply.data;
  $("detail-message").textContent = "";
  renderDetail();
  renderQueue();
  if (["OPEN", "LOCKED"].includes(reply.data.status)) openHoldForm(true);
  else say(`Order ${label(reply.data)} is ${reply.data.status}: it cannot be held.`, true, $("detail-message"));
}

// -------------------------------------------------------------------- queue ---
async function loadFacilities() {
  const reply = await api("GET", "/api/facilities?size=100");
  if (reply.status !== 200) { say(problem(reply), true); return; }
  const select = $("facility");
  select.replaceChildren(el("option", { value: "" }, "All facilities"));
  state.facilities.clear();
  for (const facility of reply.data.facilities) {
    state.facilities.set(facility.id, facility);
    select.append(el("option", { value: facility.id }, facility.name));
  }
}

async function loadQueue() {
  const query = new URLSearchParams({ status: "LOCKED", size: String(PAGE_SIZE) });
  if ($("facility").value) query.set("facilityRef", $("facility").value);
  if ($("reason").value.trim()) query.set("statusReason", $("reason").value.trim());
  if ($("hold-type").value) query.set("holdType", $("hold-type").value);
  const cursor = state.cursors[state.page];
  if (cursor) query.set("startAfterId", cursor);
  const reply = await api("GET", `/api/orders?${query}`);
  if (reply.status !== 200) { say(problem(reply), true); return; }
  state.orders = reply.data.orders;
  $("locked-count").textContent = String(reply.data.total ?? state.orders.length);
  state.cursors[state.page + 1] = state.orders.length === PAGE_SIZE ? state.orders[state.orders.length - 1].id : null;
  renderQueue();
}

function renderQueue() {
  const rows = state.orders.map((order) => {
    const checked = state.selected.has(order.id);
    return el("tr", {
      "data-order-id": order.id,
      "aria-current": state.current && state.current.id === order.id ? "true" : null,
      onclick: (event) => { if (!event.target.closest("input, button")) showOrder(order.id); },
    },
      el("td", {}, el("input", {
        type: "checkbox", "aria-label": `Select ${order.tenantOrderId || order.id}`, checked,
        onchange: (event) => toggle(order, event.target.checked),
      })),
      el("td", {}, order.tenantOrderId || order.id.slice(0, 8)),
      el("td", {}, customerName(order)),
      el("td", { class: "wide" }, when(order.created)),
      el("td", { title: order.created }, age(order.created)),
      el("td", { class: "wide" }, facilityName((order.routing || {}).facilityRef)),
      el("td", { class: "reasons" }, holdsOf(order).length
        ? holdList(order, activeHolds(order), "queue")
        : (order.statusReasons || []).map((r) => r.reason).join("; ") || "—"),
      el("td", { class: "wide" }, items(order)),
    );
  });
  $("rows").replaceChildren(...rows);
  $("empty").hidden = state.orders.length > 0;
  $("page").textContent = `Page ${state.page + 1}`;
  $("prev").disabled = state.page === 0;
  $("next").disabled = !state.cursors[state.page + 1];
  $("select-all").checked = state.orders.length > 0 && state.orders.every((o) => state.selected.has(o.id));
  renderBulkButton();
}

function toggle(order, on) {
  if (on) state.selected.set(order.id, order.version); else state.selected.delete(order.id);
  renderBulkButton();
}

// The platform's limits per bulk request.
const BULK_LIMITS = { BULK_UNLOCK: 100, BULK_FORCE_CANCEL: 15 };

function renderBulkButton() {
  const count = state.selected.size;
  $("bulk-unlock").textContent = `Unlock selected (${count})`;
  $("bulk-unlock").disabled = count === 0 || count > BULK_LIMITS.BULK_UNLOCK;
  $("bulk-force-cancel").textContent = `Force cancel selected (${count})`;
  $("bulk-force-cancel").disabled = count === 0 || count > BULK_LIMITS.BULK_FORCE_CANCEL;
}

function restart() {
  state.cursors = [null];
  state.page = 0;
  return loadQueue();
}

// ------------------------------------------------------------------- detail ---
async function showOrder(orderId) {
  const reply = await api("GET", `/api/orders/${encodeURIComponent(orderId)}`);
  if (reply.status !== 200) { say(problem(reply), true); return; }
  state.current = reply.data;
  $("detail-message").textContent = "";
  openHoldForm(false);
  renderDetail();
  renderQueue();
}

function definition(term, value) {
  return [el("dt", {}, term), el("dd", {}, value)];
}

function renderDetail() {
  const order = state.current;
  const routing = order.routing || {};
  const address = ((order.consumer || {}).addresses || [])[0] || {};
  $("detail-title").textContent = `Order ${order.tenantOrderId || order.id}`;
  $("detail-body").replaceChildren(
    el("dl", {},
      definition("Status", order.status),
      definition("Version", order.version),
      definition("Created", when(order.created)),
      definition("Order date", when(order.orderDate)),
      definition("Customer", customerName(order)),
      definition("Address", [address.street, address.houseNumber, address.postalCode, address.city, address.country]
        .filter(Boolean).join(" ") || "—"),
      definition("Facility", facilityName(routing.facilityRef)),
      definition("Routing", `${routing.status || "—"}${routing.routedAt ? `, ${when(routing.routedAt)}` : ""}`),
    ),
    el("h3", {}, "Holds"),
    holdsOf(order).length ? holdList(order, holdsOf(order), "detail") : el("p", { class: "empty" }, "No holds."),
    el("h3", {}, "Status reasons"),
    el("ul", {}, (order.statusReasons || []).map((r) => el("li", {}, `${r.status}: ${r.reason}`))),
    el("h3", {}, "Lines"),
    el("ol", {}, (order.orderLineItems || []).map((line) =>
      el("li", {}, `${line.quantity} × ${line.article.title} (${line.article.tenantArticleId})`))),
    el("h3", {}, "History"),
    el("ol", { "data-testid": "history" }, (order.statusHistory || []).map((entry) =>
      el("li", {}, `${when(entry.at)}: ${entry.previousStatus ? `${entry.previousStatus} → ` : ""}${entry.status}`
        + (entry.by ? ` by ${entry.by}` : "") + (entry.reason ? ` (${entry.reason})` : "")))),
  );
  $("unlock").hidden = order.status !== "LOCKED" || !can("ORDER_UNLOCK");
  $("cancel").hidden = !["LOCKED", "OPEN"].includes(order.status) || !can("ORDER_CANCEL");
  $("place-hold").hidden = !["LOCKED", "OPEN"].includes(order.status) || !can("ORDER_HOLD");
  if ($("place-hold").hidden) openHoldForm(false);
  $("detail").hidden = false;
}

function confirmStep(text) {
  return new Promise((resolve) => {
    const dialog = $("confirm");
    $("confirm-text").textContent = text;
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
    dialog.showModal();
  });
}

async function act(name) {
  const order = state.current;
  const label = order.tenantOrderId || order.id;
  const question = name === "UNLOCK"
    ? `Unlock order ${label}? It will get a pick job at ${facilityName((order.routing || {}).facilityRef)}.`
    : `Cancel order ${label}? This cannot be undone.`;
  if (!(await confirmStep(question))) return;
  const reply = await api("POST", `/api/orders/${encodeURIComponent(order.id)}/actions`, { name, version: order.version });
  if (reply.status === 200) {
    state.selected.delete(order.id);
    say(`Order ${label} is now ${reply.data.status}.`);
    await applyOrder(reply.data);
    return;
  }
  refused("detail", reply, order);
}

// --------------------------------------------------------------------- bulk ---
async function bulkAction(name, question) {
  const orders = [...state.selected].map(([orderId, version]) => ({ orderId, version }));
  if (!(await confirmStep(question(orders.length)))) return;
  const reply = await api("POST", "/api/orders/actions", { name, orders });
  if (reply.status !== 200) { say(problem(reply), true); return; }
  // one BulkOrderActionResult per order: UPDATED, UNCHANGED (already so) or FAILED, with a summary
  const labels = new Map(state.orders.map((o) => [o.id, o.tenantOrderId || o.id]));
  $("bulk-results").replaceChildren(...reply.data.map((r) =>
    el("li", { class: r.status, "data-order-id": r.orderId, "data-result": r.status },
      `${labels.get(r.orderId) || r.orderId}: ${r.summary || r.status}`)));
  state.selected.clear();
  await loadQueue();
}

const bulkUnlock = () => bulkAction("BULK_UNLOCK", (n) => `Unlock ${n} order(s)?`);
const bulkForceCancel = () => bulkAction("BULK_FORCE_CANCEL",
  (n) => `Cancel ${n} order(s), even where picking has started?`);

// -------------------------------------------------------------------- rules ---
const SAMPLE_ORDER = {
  orderDate: "2026-11-27T09:00:00.000Z",
  consumer: { consumerId: "C-1", addresses: [{ street: "Hauptstr.", city: "Berlin", postalCode: "10115", country: "DE" }] },
  orderLineItems: [{ article: { tenantArticleId: "4711", title: "Cologne Water" }, quantity: 12 }],
  customAttributes: { riskScore: 82 },
};

function showView(view) {
  $("app").hidden = view !== "queue";
  $("rules-view").hidden = view !== "rules";
  $("show-queue").setAttribute("aria-pressed", String(view === "queue"));
  $("show-rules").setAttribute("aria-pressed", String(view === "rules"));
  if (view === "rules") loadRules();
}

function renderRules(configuration) {
  $("rules-rows").replaceChildren(...configuration.rules.map((rule) =>
    el("tr", { "data-rule-key": rule.key },
      el("td", {}, rule.key), el("td", {}, rule.name), el("td", {}, typeLabel(rule.holdType)), el("td", {}, rule.reason),
      el("td", {}, el("code", {}, JSON.stringify(rule.when))))));
  $("rules-empty").hidden = configuration.rules.length > 0;
  // what a PUT takes: the rules and the version being replaced (the server's timestamps are not part of it)
  $("rules-json").value = JSON.stringify({ rules: configuration.rules, version: configuration.version }, null, 2);
  if (!$("dryrun-order").value) $("dryrun-order").value = JSON.stringify(SAMPLE_ORDER, null, 2);
}

async function loadRules() {
  const reply = await api("GET", "/api/configurations/lockrules");
  if (reply.status !== 200) { say(problem(reply), true, $("rules-message")); return; }
  say("", false, $("rules-message"));
  renderRules(reply.data);
}

function parsed(textarea, box) {
  try {
    return JSON.parse(textarea.value);
  } catch (error) {
    say(`This is not JSON: ${error.message}`, true, box);
    textarea.focus();
    return undefined;
  }
}

async function saveRules(event) {
  event.preventDefault();
  const box = $("rules-message");
  const configuration = parsed($("rules-json"), box);
  if (configuration === undefined) return;
  const body = configuration && typeof configuration === "object" && !Array.isArray(configuration)
    ? { rules: configuration.rules, version: configuration.version } : configuration;
  const reply = await api("PUT", "/api/configurations/lockrules", body);
  if (reply.status !== 200) {
    say(problemWithPlace(reply) + (reply.status === 409 ? " Reload to see the rules as they are now." : ""), true, box);
    return;
  }
  renderRules(reply.data);
  say(`Saved ${reply.data.rules.length} rule(s): version ${reply.data.version}.`, false, box);
}

async function dryRun(event) {
  event.preventDefault();
  const result = $("dryrun-result");
  const order = parsed($("dryrun-order"), result);
  if (order === undefined) return;
  const reply = await api("POST", "/api/configurations/lockrules/actions", { name: "TEST", order });
  if (reply.status !== 200) { say(problemWithPlace(reply), true, result); return; }
  const { matches, holds } = reply.data;
  say(matches.length ? [
    el("p", {}, `${matches.length} rule(s) match: the order would be created LOCKED.`),
    el("ul", { "data-testid": "dryrun-matches" }, matches.map((rule) =>
      el("li", { "data-rule-key": rule.key }, `${rule.key} · ${rule.name}`))),
    el("p", {}, "Holds it would get:"),
    el("ul", { "data-testid": "dryrun-holds" }, holds.map((hold) =>
      el("li", {}, `${typeLabel(hold.type)}${hold.reason ? `: ${hold.reason}` : ""} (rule ${hold.placedByRule})`))),
  ] : "No rule matches: the order would be created as its sender says.", false, result);
}

// ------------------------------------------------------------------- wiring ---
function wire() {
  $("filters").addEventListener("submit", (event) => { event.preventDefault(); restart(); });
  $("facility").addEventListener("change", () => restart());
  $("refresh").addEventListener("click", () => loadQueue());
  $("prev").addEventListener("click", () => { state.page -= 1; loadQueue(); });
  $("next").addEventListener("click", () => { state.page += 1; loadQueue(); });
  $("select-all").addEventListener("change", (event) => {
    for (const order of state.orders) toggle(order, event.target.checked);
    renderQueue();
  });
  $("bulk-unlock").addEventListener("click", bulkUnlock);
  $("bulk-force-cancel").addEventListener("click", bulkForceCancel);
  $("unlock").addEventListener("click", () => act("UNLOCK"));
  $("cancel").addEventListener("click", () => act("CANCEL"));
  $("close-detail").addEventListener("click", () => { $("detail").hidden = true; state.current = null; renderQueue(); });
  $("signin").addEventListener("submit", (event) => {
    event.preventDefault();
    signIn($("username").value.trim(), $("password").value);
  });
  $("signout").addEventListener("click", () => signOut());
  $("hold-type").addEventListener("change", () => restart());
  $("hold-lookup").addEventListener("submit", lookUpToHold);
  $("place-hold").addEventListener("click", () => openHoldForm($("hold-form").hidden));
  $("hold-form").addEventListener("submit", placeHold);
  $("hold-form-cancel").addEventListener("click", () => openHoldForm(false));
  $("show-queue").addEventListener("click", () => { showView("queue"); loadQueue(); });
  $("show-rules").addEventListener("click", () => showView("rules"));
  $("rules-form").addEventListener("submit", saveRules);
  $("rules-reload").addEventListener("click", loadRules);
  $("dryrun-form").addEventListener("submit", dryRun);
  setInterval(tick, 30000);
}

wire();
