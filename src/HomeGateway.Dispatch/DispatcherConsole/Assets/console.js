// The live queue: load the rows once, then apply each stored alert step from the server's event stream.
// On every (re)connection the whole queue is reloaded, so steps missed while disconnected are not lost.
"use strict";

const priorityOrder = { critical: 1, high: 2, normal: 3, low: 4 };
const rows = new Map();
const body = document.getElementById("queue");
const status = document.getElementById("status");

const antiforgery = document.querySelector("#logout input[type=hidden]");

// The texts in the user's language come with the page (a JSON data block: the CSP allows no inline script).
const phrases = JSON.parse(document.getElementById("phrases").textContent);
const format = (text, ...values) => text.replace(/\{(\d+)\}/g, (_, i) => String(values[Number(i)]));
const word = (table, name) => table[name] ?? name;

const key = (gatewayId, alertId) => gatewayId + "\u0000" + alertId;
const time = (iso) => new Date(iso).toLocaleString(phrases.culture);

async function reload() {
  const response = await fetch("/api/alerts", { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401) {
    window.location.href = "/login";
    return;
  }
  if (!response.ok) {
    status.textContent = format(phrases.loadFailed, response.status);
    return;
  }
  rows.clear();
  for (const row of await response.json()) {
    rows.set(key(row.gatewayId, row.alertId), row);
  }
  render();
}

// Mirrors the store: one row per alert; a clear closes it and keeps its priority.
function apply(step) {
  const k = key(step.gatewayId, step.alertId);
  if (!rows.has(k) && step.kind !== "raised") {
    // A later step of an alert not in the queue (it may be resolved): the server knows whether it belongs there.
    reload();
    return;
  }
  const row = rows.get(k) ?? {
    alertId: step.alertId, gatewayId: step.gatewayId, homeId: step.homeId, type: step.type,
    priority: step.priority, status: "open", sensorId: step.sensorId, summary: step.summary, count: 0,
    raisedAt: step.at, evidenceAt: step.evidenceAt, firstReceivedAt: step.receivedAt, lastEventAt: step.at,
  };
  if (step.kind === "cleared") {
    row.status = "cleared";
  } else {
    row.priority = step.priority;
    // Escalated at dispatch: shown one step above whatever the gateway now says (as the server computes it).
    const order = ["critical", "high", "normal", "low"];
    const at = order.indexOf(step.priority);
    row.displayPriority = row.escalated && at > 0 ? order[at - 1] : step.priority;
  }
  // An escalation's "not acknowledged within" sentence is its reason, not what the alert is about (the store keeps the
  // summary too); the "changed" event that follows marks the row escalated.
  if (step.kind !== "escalated") {
    row.summary = step.summary;
  }
  row.count = Math.max(row.count, step.count);
  row.evidenceAt = step.evidenceAt;
  row.lastEventAt = step.at;
  rows.set(k, row);
  render();
}

// Another dispatcher (or this one) took the alert: show who and when, and drop the button.
function acknowledged(ack) {
  const row = rows.get(key(ack.gatewayId, ack.alertId));
  if (!row) {
    return;
  }
  row.acknowledgedAt = ack.acknowledgedAt;
  row.acknowledgedBy = ack.acknowledgedBy;
  row.timeToAcknowledgeSeconds = ack.timeToAcknowledgeSeconds;
  render();
}

// An assignment, note, escalation or resolution anywhere: take the alert as the server sends it; a resolved one leaves the queue.
function changed(event) {
  const k = key(event.alert.gatewayId, event.alert.alertId);
  if (event.alert.resolvedAt) {
    rows.delete(k);
  } else {
    rows.set(k, event.alert);
  }
  render();
}

const detailPath = (row) => "/alerts/" + encodeURIComponent(row.gatewayId) + "/" + encodeURIComponent(row.alertId);
const shownPriority = (row) => row.displayPriority ?? row.priority;

// A plain form post, like the logout button: the server checks the session and the antiforgery token.
function acknowledgeButton(row) {
  const form = document.createElement("form");
  form.method = "post";
  form.action = "/acknowledge";
  for (const [name, value] of [[antiforgery.name, antiforgery.value], ["gatewayId", row.gatewayId], ["alertId", row.alertId]]) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }
  const button = document.createElement("button");
  button.type = "submit";
  button.textContent = phrases.acknowledge;
  form.appendChild(button);
  return form;
}

function render() {
  const sorted = [...rows.values()].sort((a, b) =>
    (priorityOrder[shownPriority(a)] ?? 9) - (priorityOrder[shownPriority(b)] ?? 9) || a.raisedAt.localeCompare(b.raisedAt));
  body.replaceChildren(...sorted.map((row) => {
    const tr = document.createElement("tr");
    tr.className = "p-" + shownPriority(row) + " s-" + row.status + (row.escalated ? " escalated" : "");
    // Stable hooks for the browser tests (and integrations' user scripts): not styling, not text that is translated.
    tr.dataset.alertId = row.alertId;
    tr.dataset.gatewayId = row.gatewayId;
    if (row.acknowledgedBy) {
      tr.dataset.acknowledgedBy = row.acknowledgedBy;
    }
    const state = word(phrases.statuses, row.status) + (row.escalated ? ", " + phrases.escalated : "") + (row.assignedTo ? ", " + format(phrases.assignedTo, row.assignedTo) : "");
    for (const text of [word(phrases.priorities, shownPriority(row)), word(phrases.types, row.type), row.homeId, row.sensorId, row.summary,
      String(row.count), time(row.raisedAt), time(row.firstReceivedAt), state]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    // The summary opens the alert's detail (home, evidence, actions).
    const link = document.createElement("a");
    link.href = detailPath(row);
    link.textContent = row.summary;
    tr.children[4].replaceChildren(link);
    const ack = document.createElement("td");
    if (row.acknowledgedAt) {
      ack.textContent = row.acknowledgedBy + ", " + time(row.acknowledgedAt) + " (" + Math.round(row.timeToAcknowledgeSeconds) + " s)";
    } else {
      ack.appendChild(acknowledgeButton(row));
    }
    tr.appendChild(ack);
    return tr;
  }));
  const open = sorted.filter((row) => row.status === "open").length;
  status.textContent = format(phrases.live, open, sorted.length - open);
}

const stream = new EventSource("/api/alerts/stream");
stream.addEventListener("open", () => { reload(); });
stream.addEventListener("alert", (event) => apply(JSON.parse(event.data)));
stream.addEventListener("acknowledged", (event) => acknowledged(JSON.parse(event.data)));
stream.addEventListener("changed", (event) => changed(JSON.parse(event.data)));
stream.addEventListener("error", () => { status.textContent = phrases.reconnecting; });
