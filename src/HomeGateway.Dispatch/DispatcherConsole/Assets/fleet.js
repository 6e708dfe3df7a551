// The live fleet page. The server renders the whole table (the page without script); this script keeps it current:
// it refetches /api/gateways when anything arrives on the alert stream (gateway offline and restored steps come there,
// and whatever event a later dispatch adds for many gateways at once) and every few seconds (sensor reports do not
// come there), then patches the rows in place: no redraw, so focus, selection and the reader's place stay.
"use strict";

(() => {
  const data = document.getElementById("fleet-data");
  const body = document.getElementById("fleet");
  const summary = document.getElementById("summary");
  if (!data || !body || !summary) {
    return;
  }

  const { culture, lowBatteryPercent, words } = JSON.parse(data.dataset.words);
  const refreshMs = Number(data.dataset.refresh) * 1000;
  const labels = [...document.querySelectorAll("#fleet-table thead th")].map((th) => th.textContent);
  document.getElementById("live").hidden = false;
  document.getElementById("no-script").hidden = true;

  // The server's one time format: date and time with seconds, in the home's zone (UTC when dispatch does not know it).
  const timeText = (iso, zone) => new Date(iso).toLocaleString(culture, {
    timeZone: zone || "UTC", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "2-digit", second: "2-digit",
  });

  function time(iso, zone) {
    const element = document.createElement("time");
    element.dateTime = new Date(iso).toISOString();
    element.title = zone || "UTC";
    element.textContent = timeText(iso, zone);
    return element;
  }

  // A sentence with {0}, {1}… filled: strings as text, times (ISO strings marked by {at}) as <time> elements.
  function sentence(template, values, zone) {
    const nodes = [];
    let last = 0;
    for (const match of template.matchAll(/\{(\d+)\}/g)) {
      nodes.push(document.createTextNode(template.slice(last, match.index)));
      const value = values[Number(match[1])];
      nodes.push(value && typeof value === "object" && "at" in value ? time(value.at, zone) : document.createTextNode(String(value ?? "")));
      last = match.index + match[0].length;
    }
    nodes.push(document.createTextNode(template.slice(last)));
    return nodes;
  }

  const at = (iso) => ({ at: iso });

  function rowClass(g) {
    if (g.state === "offline") {
      return "g-offline";
    }
    if (g.sensorProblems.length > 0) {
      return "g-attention";
    }
    return g.state === "not_yet_connected" ? "g-new" : "g-online";
  }

  function stateNodes(g) {
    if (g.state === "offline") {
      return sentence(words.offlineSince, [at(g.offlineSince)], g.timeZone);
    }
    return [document.createTextNode(g.state === "not_yet_connected" ? words.notYetConnected : words.online)];
  }

  function certificateNodes(g) {
    if (!g.certificateNotAfter) {
      return [document.createTextNode(words.noCertificate)];
    }
    const expired = new Date(g.certificateNotAfter) <= new Date();
    return sentence(expired ? words.certificateExpired : words.certificateValid, [at(g.certificateNotAfter)], g.timeZone);
  }

  function sensorNodes(g) {
    if (g.sensorProblems.length === 0) {
      return [document.createTextNode(words.allSensorsFine)];
    }
    const list = document.createElement("ul");
    for (const p of g.sensorProblems) {
      const item = document.createElement("li");
      item.className = p.problem === "low_battery" ? "sensor-battery" : "sensor-offline";
      const parts = p.problem !== "low_battery"
        ? sentence(words.sensorOffline, [p.sensorId, at(p.reportedAt)], g.timeZone)
        : p.batteryPercent == null
          ? sentence(words.batteryLow, [p.sensorId, at(p.reportedAt)], g.timeZone)
          : sentence(words.batteryAt, [p.sensorId, p.batteryPercent.toLocaleString(culture), at(p.reportedAt)], g.timeZone);
      item.append(...parts);
      list.append(item);
    }
    return [list];
  }

  // What a cell shows, as data: the cell is rewritten only when this changes (a screen reader is not told of a
  // cell that merely got the same text again).
  function cells(g) {
    return [
      { key: g.gatewayId, nodes: () => [document.createTextNode(g.gatewayId)] },
      { key: g.homeId, nodes: () => [document.createTextNode(g.homeId)] },
      { className: "state", key: JSON.stringify([g.state, g.offlineSince, g.timeZone]), nodes: () => stateNodes(g) },
      {
        className: "seen",
        key: JSON.stringify([g.lastSeenAt, g.timeZone]),
        nodes: () => [g.lastSeenAt ? time(g.lastSeenAt, g.timeZone) : document.createTextNode(words.never)],
      },
      { className: "software", key: g.softwareVersion ?? "", nodes: () => [document.createTextNode(g.softwareVersion ?? "")] },
      { className: "certificate", key: JSON.stringify([g.certificateNotAfter, g.timeZone]), nodes: () => certificateNodes(g) },
      { className: "sensors", key: JSON.stringify([g.sensorProblems, g.timeZone]), nodes: () => sensorNodes(g) },
    ];
  }

  function newRow(g) {
    const row = document.createElement("tr");
    row.dataset.gateway = g.gatewayId;
    cells(g).forEach((cell, i) => {
      const td = document.createElement("td");
      td.dataset.label = labels[i] ?? "";
      if (cell.className) {
        td.className = cell.className;
      }
      row.append(td);
    });
    return row;
  }

  function patch(row, g) {
    const wanted = rowClass(g);
    if (row.className !== wanted) {
      row.className = wanted;
    }
    cells(g).forEach((cell, i) => {
      const td = row.cells[i];
      if (td.dataset.shown !== cell.key) {
        // The server-rendered cells carry no key yet: the first patch compares what they say instead.
        const fresh = document.createElement("td");
        fresh.append(...cell.nodes());
        if (td.dataset.shown !== undefined || td.innerHTML.replace(/\s+/g, " ").trim() !== fresh.innerHTML) {
          td.replaceChildren(...fresh.childNodes);
        }
        td.dataset.shown = cell.key;
      }
    });
  }

  function apply(fleet) {
    const existing = new Map([...body.querySelectorAll("tr[data-gateway]")].map((row) => [row.dataset.gateway, row]));
    const keep = new Set(fleet.map((g) => g.gatewayId));
    for (const row of body.querySelectorAll("tr")) {
      if (!row.dataset.gateway || !keep.has(row.dataset.gateway)) {
        row.remove();
      }
    }
    // In the server's order (problems first); a row moves only when it is out of place.
    let previous = null;
    for (const g of fleet) {
      const row = existing.get(g.gatewayId) ?? newRow(g);
      patch(row, g);
      const wantedNext = previous ? previous.nextElementSibling : body.firstElementChild;
      if (wantedNext !== row) {
        body.insertBefore(row, wantedNext);
      }
      previous = row;
    }
    if (fleet.length === 0 && !body.firstElementChild) {
      const row = body.insertRow();
      row.className = "none";
      const cell = row.insertCell();
      cell.colSpan = 7;
      cell.textContent = words.noneRegistered;
    }
    const offline = fleet.filter((g) => g.state === "offline").length;
    const attention = fleet.filter((g) => g.sensorProblems.length > 0).length;
    const text = sentence(words.summary, [fleet.length, offline, attention, lowBatteryPercent]).map((n) => n.textContent).join("");
    if (summary.textContent !== text) {
      summary.textContent = text;
    }
  }

  let inFlight = false;
  let again = false;
  async function refresh() {
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    try {
      const response = await fetch("/api/gateways", { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.status === 401) {
        window.location.href = "/login";
        return;
      }
      if (response.ok) {
        apply(await response.json());
        body.dataset.updated = new Date().toISOString();
      }
    } catch {
      // The next event or tick tries again; the rows show what was last known.
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  }

  // Many steps come at once in a mass outage: one refetch a second is enough.
  let debounce = 0;
  function soon() {
    clearTimeout(debounce);
    debounce = setTimeout(refresh, 1000);
  }

  // The stream is read as text so that every event counts, whatever its name (EventSource hears only named types it
  // is told of); comments (": keep-alive") do not. A lost connection is reopened after a pause, with a refetch for
  // whatever was missed meanwhile.
  async function listen() {
    for (;;) {
      try {
        const response = await fetch("/api/alerts/stream", { credentials: "same-origin", headers: { Accept: "text/event-stream" } });
        if (response.status === 401) {
          window.location.href = "/login";
          return;
        }
        if (response.ok && response.body) {
          soon();
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let pending = "";
          for (;;) {
            const { value, done } = await reader.read();
            if (done) {
              break;
            }
            pending += value;
            const events = pending.split(/\r?\n\r?\n/);
            pending = events.pop();
            if (events.some((block) => /^(event|data):/m.test(block))) {
              soon();
            }
          }
        }
      } catch {
        // Reconnect below.
      }
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }

  setInterval(refresh, refreshMs);
  listen();
})();
