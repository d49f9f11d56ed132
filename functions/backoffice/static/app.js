// Back office: the queue of locked orders, their detail, unlock / cancel / bulk unlock / bulk force cancel.
// Plain JS, no build step. Sign-in (user name and password) gives an access token kept in memory for
// this tab; every call goes through api(), which sends it. Actions show only with their permission.
"use strict";

const BASE = location.pathname.replace(/\/backoffice.*$/, "");
const PAGE_SIZE = 25;
const state = {
  token: null,               // in memory only: gone when the tab closes
  me: null,                  // {actor, permissions} of the signed-in user
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
  await loadFacilities();
  await restart();
}

function signOut(message = "") {
  state.token = null;
  state.me = null;
  state.selected.clear();
  state.current = null;
  $("app").hidden = true;
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

function say(text, isError = false) {
  const box = $("message");
  box.textContent = text;
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

function reasons(order) {
  return (order.statusReasons || []).map((r) => r.reason).join("; ") || "—";
}

function items(order) {
  return (order.orderLineItems || []).reduce((sum, line) => sum + (line.quantity || 0), 0);
}

function when(timestamp) {
  return timestamp ? new Date(timestamp).toLocaleString() : "—";
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
      onclick: (event) => { if (event.target.type !== "checkbox") showOrder(order.id); },
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
      el("td", { class: "reasons" }, reasons(order)),
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
    state.current = reply.data;
    state.selected.delete(order.id);
    renderDetail();
    say(`Order ${label} is now ${reply.data.status}.`);
    await loadQueue();
    return;
  }
  const box = $("detail-message");
  if (reply.status === 409) {
    const current = (reply.data || [])[0] || {};
    box.replaceChildren(
      `Someone else changed this order meanwhile (it is now at version ${current.version}). ${current.summary || ""} `,
      el("button", { type: "button", "data-testid": "refresh-order", onclick: () => { showOrder(order.id); loadQueue(); } },
        "Refresh"),
    );
  } else {
    box.textContent = problem(reply);
  }
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
}

wire();
