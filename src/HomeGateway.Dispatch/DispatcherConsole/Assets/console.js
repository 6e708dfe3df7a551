// The live queue: load the rows once, then apply each stored change from the server's event stream. On every
// (re)connection the whole queue is reloaded, so changes missed while disconnected are not lost. Rows are patched in
// place, never redrawn, so keyboard focus and a screen reader's position survive live updates.
//
// What demands a night-shift dispatcher's attention lives here too: a repeating alarm sound per priority until every
// critical and high alert is taken, the count in the tab title, optional desktop notifications, a highlighted new row,
// spoken announcements (aria-live), age and response-time countdowns, and keyboard shortcuts.
"use strict";

const data = document.getElementById("queue-data");
const words = JSON.parse(data.dataset.words);
const user = data.dataset.user || "";
const body = document.getElementById("queue");
const status = document.getElementById("status");
const announcer = document.getElementById("announcer");
const antiforgery = document.querySelector("#logout input[type=hidden]");
const baseTitle = document.title;

const priorityOrder = { critical: 1, high: 2, normal: 3, low: 4 };
// Alarms about a person come before technical ones, whatever their priority: a mass outage must not bury a fall.
const technicalTypes = new Set(["sensor_offline", "battery_low", "tamper", "gateway_health", "daily_test", "power_failure", "unknown"]);
// This many gateways offline at once are one incident (a network fault), not that many rows.
const outageGroupAt = 3;

const format = (text, ...values) => text.replace(/\{(\d+)\}/g, (_, i) => String(values[Number(i)] ?? ""));
const word = (table, name) => (table && table[name]) ?? name;
const key = (gatewayId, alertId) => gatewayId + "\u0000" + alertId;

const rows = new Map(); // key -> alert (as /api/alerts gives it, updated by the stream)
const elements = new Map(); // key -> <tr>
const fresh = new Set(); // keys that arrived live (highlighted until taken)
let loaded = false;

// ---- Time: the home's zone, with seconds; ages and countdowns --------------------------------------------------------

const formatters = new Map();
// withOffset adds the UTC offset (in a tooltip: it tells 03:30 before and after the autumn clock change apart).
function time(iso, timeZone, withOffset = false) {
  if (!iso) {
    return "—";
  }
  const zone = timeZone || "UTC";
  const cacheKey = zone + (withOffset ? "+" : "");
  let formatter = formatters.get(cacheKey);
  if (!formatter) {
    const options = { year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "2-digit", second: "2-digit" };
    if (withOffset) {
      options.timeZoneName = "shortOffset";
    }
    try {
      formatter = new Intl.DateTimeFormat(words.culture, { ...options, timeZone: zone });
    } catch {
      formatter = new Intl.DateTimeFormat(words.culture, { ...options, timeZone: "UTC" });
    }
    formatters.set(cacheKey, formatter);
  }
  return formatter.format(new Date(iso));
}

function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${sec} s` : `${sec} s`;
}

// ---- What a row says ---------------------------------------------------------------------------------------------------

// The alert in the reader's language from its type and the sensor's name and place; raw ids stay visible as detail.
function compose(row) {
  const name = row.sensorName || row.sensorId;
  const template = row.sensorLocation ? words.templates?.[row.type] : words.templates?.[row.type + ":noLocation"] ?? words.templates?.[row.type];
  if (template) {
    return format(template, name, row.sensorLocation || "");
  }
  return word(words.types, row.type) + ": " + name + (row.sensorLocation ? ", " + row.sensorLocation : "");
}

const shownPriority = (row) => row.displayPriority ?? row.priority;
// Dispatch's own "gateway offline" alerts, open or back online (cleared) until someone resolves them.
const isOutage = (row) => row.type === "gateway_health" && row.origin === "dispatch";
const needsTaking = (row) => !row.acknowledgedAt;
const urgent = (row) => needsTaking(row) && (shownPriority(row) === "critical" || shownPriority(row) === "high");
const detailPath = (row) => "/alerts/" + encodeURIComponent(row.gatewayId) + "/" + encodeURIComponent(row.alertId);

function compare(a, b) {
  return (technicalTypes.has(a.type) ? 1 : 0) - (technicalTypes.has(b.type) ? 1 : 0)
    || (priorityOrder[shownPriority(a)] ?? 9) - (priorityOrder[shownPriority(b)] ?? 9)
    || a.raisedAt.localeCompare(b.raisedAt)
    || a.alertId.localeCompare(b.alertId);
}

function cell(tr, label, className) {
  const td = document.createElement("td");
  td.dataset.label = label;
  if (className) {
    td.className = className;
  }
  tr.appendChild(td);
  return td;
}

function setText(node, text) {
  if (node.textContent !== text) {
    node.textContent = text;
  }
}

// A plain form post, like the logout button; the script sends it with fetch so this page (and its sound) stays.
function acknowledgeForm(row) {
  const form = document.createElement("form");
  form.method = "post";
  form.action = "/acknowledge";
  for (const [name, value] of [[antiforgery.name, antiforgery.value], ["gatewayId", row.gatewayId], ["alertId", row.alertId], ["returnTo", "/"]]) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }
  const button = document.createElement("button");
  button.type = "submit";
  button.className = "primary";
  button.setAttribute("aria-keyshortcuts", "a");
  button.textContent = words.acknowledge;
  form.appendChild(button);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    acknowledge(form);
  });
  return form;
}

// Takes one alert the way the form would, asking for JSON so that this page (and its sound) stays.
const postAcknowledge = (gatewayId, alertId) => {
  const form = new FormData();
  form.append(antiforgery.name, antiforgery.value);
  form.append("gatewayId", gatewayId);
  form.append("alertId", alertId);
  return fetch("/acknowledge", { method: "POST", body: form, credentials: "same-origin", headers: { Accept: "application/json" } });
};

async function acknowledge(form) {
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const response = await postAcknowledge(form.elements.gatewayId.value, form.elements.alertId.value);
    if (response.status === 401) {
      window.location.href = "/login";
      return;
    }
    if (!response.ok) {
      const answer = await response.json().catch(() => ({}));
      announce(answer.error || format(words.acknowledgeFailed, response.status));
      button.disabled = false;
    }
    // The row changes when the stream says so, for this console and every other one alike.
  } catch {
    announce(format(words.acknowledgeFailed, "network"));
    button.disabled = false;
  }
}

function createRow(row) {
  const tr = document.createElement("tr");
  tr.tabIndex = -1;
  // Stable hooks for the browser tests (and integrations' user scripts): not styling, not text that is translated.
  tr.dataset.alertId = row.alertId;
  tr.dataset.gatewayId = row.gatewayId;
  cell(tr, words.priority, "priority");
  const what = cell(tr, words.alert, "what");
  const link = document.createElement("a");
  link.className = "open";
  link.setAttribute("aria-keyshortcuts", "o");
  what.appendChild(link);
  const detail = document.createElement("span");
  detail.className = "detail";
  what.appendChild(detail);
  cell(tr, words.home, "home");
  cell(tr, words.age, "age");
  cell(tr, words.responseDue, "due");
  cell(tr, words.status, "state");
  cell(tr, words.acknowledged, "ack");
  return tr;
}

// Brings an existing <tr> up to date with its alert; touches only what changed (the focused button stays the same node).
function patchRow(tr, row) {
  const k = key(row.gatewayId, row.alertId);
  const className = "p-" + shownPriority(row) + " s-" + row.status + (row.escalated ? " escalated" : "")
    + (nobodyAccepted(row) ? " nobody-accepted" : "")
    + (fresh.has(k) ? " is-new" : "") + (tr.classList.contains("selected") ? " selected" : "");
  if (tr.className !== className) {
    tr.className = className;
  }
  if (row.acknowledgedBy) {
    tr.dataset.acknowledgedBy = row.acknowledgedBy;
  }
  const [priority, what, home, , , state, ack] = tr.children;
  setText(priority, word(words.priorities, shownPriority(row)));
  const link = what.querySelector("a");
  link.href = detailPath(row);
  setText(link, compose(row) + (row.count > 1 ? " (×" + row.count + ")" : ""));
  setText(what.querySelector(".detail"), format(words.sensorDetail, row.sensorId, row.gatewayId));
  setText(home, row.homeId);
  // The age counts from here: when the gateway raised it, in the home's time.
  const raised = time(row.raisedAt, row.timeZone, true);
  if (tr.children[3].title !== raised) {
    tr.children[3].title = raised;
  }
  // Escalated at dispatch (a person, or dispatch's own timer) or by the gateway's rules: the queue says which.
  const byGateway = row.escalated ? row.escalatedBy === words.gatewayActor : row.gatewayEscalated;
  const stateText = word(words.statuses, row.status)
    + (byGateway ? ", " + words.escalatedByGateway : row.escalated ? ", " + words.escalated : "")
    + (row.assignedTo ? ", " + format(words.assignedTo, row.assignedTo) : "");
  setText(state, stateText);
  responderStatus(state, row);
  if (row.acknowledgedAt) {
    setText(ack, row.acknowledgedBy + ", " + time(row.acknowledgedAt, row.timeZone) + " (" + Math.round(row.timeToAcknowledgeSeconds) + " s)");
  } else if (!ack.querySelector("form")) {
    ack.replaceChildren(acknowledgeForm(row));
  }
  tickRow(tr, row, Date.now());
}

// ---- Responders: where the help sent to the alert stands (the latest request), in its own line of the status cell ----

const nobodyAccepted = (row) => !!row.responder && (row.responder.state === "not_accepted" || row.responder.state === "declined");

function responderStatus(cell, row) {
  let line = cell.querySelector(".responder-status");
  const r = row.responder;
  const template = r && words.responder.states[r.state];
  if (!template) {
    if (line) {
      line.remove();
    }
    return;
  }
  if (!line) {
    line = document.createElement("span");
    line.className = "responder-status";
    cell.appendChild(line);
  }
  const text = r.state === "accepted" ? format(template, r.acceptedBy)
    : r.state === "on_the_way" ? format(template, r.acceptedBy)
    : r.state === "arrived" ? format(template, r.acceptedBy, clock(r.arrivedAt, row.timeZone))
    : r.state === "done" ? format(template, r.acceptedBy, word(words.responder.outcomes, r.proposedOutcome || ""))
    : format(template, r.asked);
  line.dataset.state = r.state;
  setText(line, text);
}

// Hours and minutes in the home's zone: "Arrived 02:14".
function clock(iso, timeZone) {
  try {
    return new Intl.DateTimeFormat(words.culture, { hour: "2-digit", minute: "2-digit", timeZone: timeZone || "UTC" }).format(new Date(iso));
  } catch {
    return new Intl.DateTimeFormat(words.culture, { hour: "2-digit", minute: "2-digit", timeZone: "UTC" }).format(new Date(iso));
  }
}

function tickRow(tr, row, now) {
  const raised = Date.parse(row.raisedAt);
  setText(tr.children[3], duration(now - raised));
  const due = tr.children[4];
  if (!row.responseMinutes) {
    setText(due, "—");
    return;
  }
  const left = raised + row.responseMinutes * 60000 - now;
  setText(due, left >= 0 ? format(words.dueIn, duration(left)) : format(words.overdue, duration(-left)));
  due.classList.toggle("overdue", left < 0);
}

// ---- The outage incident: many gateways offline at once are one row with the list ---------------------------------

let outageRow = null;
let outageShownCount = 0;

function outageIncident(outages) {
  if (!outageRow) {
    outageRow = document.createElement("tr");
    outageRow.className = "outage-group p-high";
    outageRow.id = "outage";
    const td = document.createElement("td");
    td.colSpan = 7;
    td.innerHTML = "<details><summary></summary><button type=\"button\" class=\"primary\"></button><ul></ul></details>";
    td.querySelector("button").addEventListener("click", acknowledgeOutage);
    outageRow.appendChild(td);
  }
  const since = outages.reduce((first, row) => (row.raisedAt < first ? row.raisedAt : first), outages[0].raisedAt);
  const waiting = outages.filter(needsTaking).length;
  const offline = outages.filter((row) => row.status === "open").length;
  outageRow.dataset.count = String(offline);
  setText(outageRow.querySelector("summary"), format(words.outage, offline) + " — " + format(words.outageSince, time(since, outages[0].timeZone))
    + (offline < outages.length ? "; " + format(words.outageBack, outages.length - offline) : ""));
  const button = outageRow.querySelector("button");
  button.hidden = waiting === 0;
  setText(button, format(words.acknowledgeAll, waiting));
  const list = outageRow.querySelector("ul");
  // Rebuilt only when something in it changed: it can hold thousands of gateways.
  const signature = outages.length + ":" + offline + ":" + waiting;
  if (list.dataset.signature !== signature) {
    list.dataset.signature = signature;
    list.replaceChildren(...outages.map((row) => {
      const li = document.createElement("li");
      li.dataset.gatewayId = row.gatewayId;
      const a = document.createElement("a");
      a.href = detailPath(row);
      a.textContent = row.gatewayId + " (" + row.homeId + ")";
      li.appendChild(a);
      li.append(" — " + time(row.raisedAt, row.timeZone) + ", " + word(words.statuses, row.status) + (row.acknowledgedBy ? ", " + row.acknowledgedBy : ""));
      return li;
    }));
  }
  if (offline > outageShownCount) {
    announce(format(words.outage, offline), "polite");
  }
  outageShownCount = offline;
  return outageRow;
}

async function acknowledgeOutage(event) {
  const button = event.currentTarget;
  button.disabled = true;
  const waiting = [...rows.values()].filter((row) => isOutage(row) && needsTaking(row));
  // A few at a time: dispatch audits and sends each acknowledgement on its own.
  let next = 0;
  async function worker() {
    while (next < waiting.length) {
      const row = waiting[next++];
      await postAcknowledge(row.gatewayId, row.alertId).catch(() => {});
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()]);
  button.disabled = false;
}

// ---- Rendering: patch, insert, move; never redraw -------------------------------------------------------------------

let renderQueued = false;
function render() {
  if (renderQueued) {
    return;
  }
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderNow();
  });
}

function renderNow() {
  const all = [...rows.values()];
  const outages = all.filter(isOutage);
  const grouped = outages.length >= outageGroupAt;
  const listed = (grouped ? all.filter((row) => !isOutage(row)) : all).sort(compare);

  const wanted = [];
  let groupPlaced = !grouped;
  for (const row of listed) {
    if (!groupPlaced && technicalTypes.has(row.type)) {
      wanted.push(outageIncident(outages));
      groupPlaced = true;
    }
    const k = key(row.gatewayId, row.alertId);
    let tr = elements.get(k);
    if (!tr) {
      tr = createRow(row);
      elements.set(k, tr);
    }
    patchRow(tr, row);
    wanted.push(tr);
  }
  if (!groupPlaced) {
    wanted.push(outageIncident(outages));
  }
  if (!grouped && outageRow) {
    outageRow.remove();
    outageRow = null;
    outageShownCount = 0;
  }

  for (const [k, tr] of elements) {
    if (!rows.has(k) || (grouped && isOutage(rows.get(k)))) {
      tr.remove();
      elements.delete(k);
    }
  }

  // Put the rows in order with the fewest moves; moving a row that holds the focus would drop it, so it is restored.
  const focused = document.activeElement;
  let cursor = body.firstElementChild;
  for (const tr of wanted) {
    if (tr === cursor) {
      cursor = cursor.nextElementSibling;
    } else {
      body.insertBefore(tr, cursor);
    }
  }
  if (focused && focused !== document.activeElement && document.contains(focused)) {
    focused.focus({ preventScroll: true });
  }

  const open = all.filter((row) => row.status === "open").length;
  setText(status, format(words.live, open, all.length - open));
  const waiting = all.filter(needsTaking).length;
  document.title = (waiting > 0 ? "(" + waiting + ") " : "") + baseTitle;
  alarm.update(all);
}

// ---- Spoken and desktop announcements --------------------------------------------------------------------------------

function announce(text, politeness = "assertive") {
  announcer.setAttribute("aria-live", politeness);
  // Cleared first, so the same words twice are read twice.
  announcer.textContent = "";
  setTimeout(() => { announcer.textContent = text; }, 50);
}

const notifyKey = "hgd.notify." + user;
const notifyButton = document.getElementById("notify");
const notifyStatus = document.getElementById("notify-status");
const notificationsOn = () => "Notification" in window && Notification.permission === "granted" && localStorage.getItem(notifyKey) === "on";

function showNotificationState() {
  notifyButton.setAttribute("aria-pressed", String(notificationsOn()));
  setText(notifyStatus, notificationsOn() ? words.notificationsOn
    : "Notification" in window && Notification.permission === "denied" ? words.notificationsDenied : "");
}

notifyButton.addEventListener("click", async () => {
  if (!("Notification" in window)) {
    return;
  }
  if (notificationsOn()) {
    localStorage.setItem(notifyKey, "off");
  } else {
    const permission = await Notification.requestPermission();
    localStorage.setItem(notifyKey, permission === "granted" ? "on" : "off");
  }
  showNotificationState();
});
if (!("Notification" in window)) {
  notifyButton.hidden = true;
}
showNotificationState();

function notifyNew(row) {
  const text = format(words.newAlert, word(words.priorities, shownPriority(row)), compose(row), row.homeId);
  announce(text, urgent(row) ? "assertive" : "polite");
  if (urgent(row) && notificationsOn()) {
    const notification = new Notification(text, { tag: key(row.gatewayId, row.alertId), requireInteraction: shownPriority(row) === "critical" });
    notification.addEventListener("click", () => { window.focus(); select(elements.get(key(row.gatewayId, row.alertId))); });
  }
}

// ---- The alarm sound: Web Audio tones, repeating until every critical and high alert is taken -------------------------

const alarm = (() => {
  const soundKey = "hgd.sound." + user;
  const button = document.getElementById("sound");
  const muted = document.getElementById("sound-muted");
  const blocked = document.getElementById("sound-blocked");
  // Critical: three high, quick tones every 2.5 s; high: two lower tones every 8 s. Distinct by ear, not by volume alone.
  const patterns = {
    critical: { every: 2500, tones: [[988, 0], [988, 0.25], [988, 0.5]] },
    high: { every: 8000, tones: [[659, 0], [523, 0.35]] },
  };
  let context = null;
  let level = "";
  let timer = null;

  const wanted = () => localStorage.getItem(soundKey) === "on";

  function ensureContext() {
    if (!context) {
      const Context = window.AudioContext || window.webkitAudioContext;
      context = Context ? new Context() : null;
    }
    if (context && context.state === "suspended") {
      context.resume().catch(() => {});
    }
    return context;
  }

  function showState() {
    const on = wanted();
    // A toggle: its name stays, aria-pressed (and the style) says whether it is on.
    button.setAttribute("aria-pressed", String(on));
    muted.hidden = on;
    blocked.hidden = !on || !context || context.state !== "suspended";
    document.documentElement.dataset.sound = on ? (context && context.state === "running" ? "on" : "blocked") : "off";
  }

  function play() {
    if (!wanted() || !context || context.state !== "running" || !level) {
      return;
    }
    const start = context.currentTime + 0.02;
    for (const [frequency, offset] of patterns[level].tones) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = "square";
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.2, start + offset);
      gain.gain.setValueAtTime(0, start + offset + 0.18);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.2);
    }
  }

  function schedule() {
    clearInterval(timer);
    timer = null;
    if (level) {
      play();
      timer = setInterval(play, patterns[level].every);
    }
  }

  button.addEventListener("click", () => {
    localStorage.setItem(soundKey, wanted() ? "off" : "on");
    if (wanted()) {
      ensureContext();
    }
    // The state settles after resume(); show it then, and start the alarm if one is due.
    setTimeout(() => { showState(); schedule(); }, 100);
    showState();
  });

  // Autoplay: a page may only make sound after the user touched it. One click or key anywhere is enough.
  for (const type of ["pointerdown", "keydown"]) {
    document.addEventListener(type, () => {
      if (wanted() && (!context || context.state !== "running")) {
        ensureContext();
        setTimeout(() => { showState(); schedule(); }, 100);
      }
    }, { capture: true });
  }

  if (wanted()) {
    ensureContext();
    setTimeout(() => { showState(); schedule(); }, 300);
  }
  showState();

  return {
    update(all) {
      const next = all.some((row) => urgent(row) && shownPriority(row) === "critical") ? "critical"
        : all.some(urgent) ? "high" : "";
      document.documentElement.dataset.alarm = next;
      if (next !== level) {
        level = next;
        schedule();
      }
    },
  };
})();

// ---- Keyboard: j/k or arrows select, a takes, o or Enter opens, n goes to the most urgent untaken alert --------------

let selected = null;

function select(tr) {
  if (!tr) {
    return;
  }
  if (selected && selected !== tr) {
    selected.classList.remove("selected");
  }
  selected = tr;
  tr.classList.add("selected");
  (tr.querySelector("a.open") ?? tr).focus();
}

function move(step) {
  const list = [...body.querySelectorAll("tr[data-alert-id]")];
  if (list.length === 0) {
    return;
  }
  const at = selected ? list.indexOf(selected) : -1;
  select(list[Math.min(list.length - 1, Math.max(0, at + step))]);
}

document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || event.target.closest("input, select, textarea, [contenteditable]")) {
    return;
  }
  const focusedRow = event.target.closest?.("#queue tr[data-alert-id]");
  if (focusedRow && focusedRow !== selected) {
    select(focusedRow);
  }
  switch (event.key) {
    case "j":
    case "ArrowDown":
      move(1);
      break;
    case "k":
    case "ArrowUp":
      move(-1);
      break;
    case "a":
      selected?.querySelector("td.ack form button")?.click();
      break;
    case "o":
      if (selected) {
        window.location.href = selected.querySelector("a.open").href;
      }
      break;
    case "n": {
      const first = [...rows.values()].filter(needsTaking).sort(compare)[0];
      select(first && elements.get(key(first.gatewayId, first.alertId)));
      break;
    }
    default:
      return;
  }
  event.preventDefault();
});

body.addEventListener("focusin", (event) => {
  const tr = event.target.closest("tr[data-alert-id]");
  if (tr && tr !== selected) {
    selected?.classList.remove("selected");
    selected = tr;
    tr.classList.add("selected");
  }
});

// ---- The data: first load, then the stream ------------------------------------------------------------------------

async function reload() {
  const response = await fetch("/api/alerts", { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401) {
    window.location.href = "/login";
    return;
  }
  if (!response.ok) {
    status.textContent = format(words.loadFailed, response.status);
    return;
  }
  const before = new Set(rows.keys());
  const arrived = [];
  rows.clear();
  for (const row of await response.json()) {
    const k = key(row.gatewayId, row.alertId);
    rows.set(k, row);
    // After a reconnection, what came in meanwhile is new to this dispatcher too.
    if (loaded && !before.has(k) && !row.acknowledgedAt) {
      fresh.add(k);
      arrived.push(row);
    }
  }
  // A few are announced one by one; a flood (a mass outage while disconnected) as the incident row says it.
  if (arrived.length <= outageGroupAt) {
    arrived.forEach(notifyNew);
  }
  loaded = true;
  render();
}

// Mirrors the store: one row per alert; a clear closes it and keeps its priority. A step of a mass outage (quiet) is
// not announced one by one: the incident row says how many.
function apply(step, quiet = false) {
  const k = key(step.gatewayId, step.alertId);
  if (!rows.has(k) && step.kind !== "raised") {
    // A later step of an alert not in the queue (it may be resolved): the server knows whether it belongs there.
    reload();
    return;
  }
  const known = rows.get(k);
  const row = known ?? {
    // Sequence 0 is a step dispatch decided itself (a gateway gone silent), not one of a gateway's journal.
    alertId: step.alertId, gatewayId: step.gatewayId, homeId: step.homeId, type: step.type, origin: step.seq === 0 ? "dispatch" : "gateway",
    priority: step.priority, status: "open", sensorId: step.sensorId, summary: step.summary, count: 0,
    raisedAt: step.at, evidenceAt: step.evidenceAt, firstReceivedAt: step.receivedAt, lastEventAt: step.at,
  };
  for (const field of ["sensorName", "sensorLocation", "timeZone", "responseMinutes"]) {
    if (step[field] !== undefined) {
      row[field] = step[field];
    }
  }
  if (step.kind === "cleared") {
    row.status = "cleared";
  } else {
    row.priority = step.priority;
    // Escalated at dispatch: shown one step above whatever the gateway now says (as the server computes it).
    const order = ["critical", "high", "normal", "low"];
    const at = order.indexOf(step.priority);
    row.displayPriority = row.escalated && at > 0 ? order[at - 1] : step.priority;
  }
  // An escalation's "not acknowledged within" sentence is its reason, not what the alert is about.
  if (step.kind === "escalated") {
    row.gatewayEscalated = true;
  } else {
    row.summary = step.summary;
  }
  row.count = Math.max(row.count, step.count);
  row.evidenceAt = step.evidenceAt;
  row.lastEventAt = step.at;
  rows.set(k, row);
  if (!known) {
    fresh.add(k);
    if (!quiet) {
      notifyNew(row);
    }
  }
  render();
}

// Another dispatcher (or this one) took the alert: show who and when, and drop the button.
function acknowledged(ack) {
  const k = key(ack.gatewayId, ack.alertId);
  const row = rows.get(k);
  if (!row) {
    return;
  }
  row.acknowledgedAt = ack.acknowledgedAt;
  row.acknowledgedBy = ack.acknowledgedBy;
  row.timeToAcknowledgeSeconds = ack.timeToAcknowledgeSeconds;
  fresh.delete(k);
  render();
}

// An assignment, note, escalation or resolution anywhere: take the alert as the server sends it; a resolved one leaves.
function changed(event) {
  const k = key(event.alert.gatewayId, event.alert.alertId);
  if (event.alert.resolvedAt) {
    rows.delete(k);
    fresh.delete(k);
  } else {
    const before = rows.get(k);
    rows.set(k, { ...before, ...event.alert, gatewayEscalated: before?.gatewayEscalated || event.alert.gatewayEscalated });
  }
  render();
}

setInterval(() => {
  const now = Date.now();
  for (const [k, tr] of elements) {
    const row = rows.get(k);
    if (row) {
      tickRow(tr, row, now);
    }
  }
}, 1000);

// A mass outage comes as batches of many gateways' steps (one event each, not thousands): applied together, drawn once.
const stream = new EventSource("/api/alerts/stream?batch=outages");
stream.addEventListener("open", () => { reload(); });
stream.addEventListener("alert", (event) => apply(JSON.parse(event.data)));
stream.addEventListener("outage_batch", (event) => {
  for (const step of JSON.parse(event.data).steps) {
    apply(step, true);
  }
});
stream.addEventListener("acknowledged", (event) => acknowledged(JSON.parse(event.data)));
stream.addEventListener("changed", (event) => changed(JSON.parse(event.data)));
stream.addEventListener("error", () => { status.textContent = words.reconnecting; });
