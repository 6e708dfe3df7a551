// The responder's phone page: it checks for changes to the requests asked of this responder every few seconds and
// shows the new list (a reload: the page itself is rendered on the server, and each showing of a home is audited).
// A new request buzzes (where the phone can) and sounds a tone (once the page has been touched: browsers allow sound
// only after that), then the page reloads. A half-written report is not thrown away: then the page only says that
// something changed. The poll reads ids and states only, never client data.
"use strict";

(() => {
  const list = document.getElementById("requests");
  const live = document.getElementById("responder-live");
  if (!list) {
    return;
  }

  const every = 10000;
  const seenKey = "hgd.responder.seen." + (list.dataset.user || "");
  const shown = () => Array.from(list.querySelectorAll("[data-request]"))
    .map((item) => item.dataset.request + ":" + item.dataset.state).sort().join(",");
  const signature = shown();
  const seen = new Set(JSON.parse(sessionStorage.getItem(seenKey) || "[]"));
  for (const item of list.querySelectorAll("[data-request]")) {
    seen.add(item.dataset.request);
  }
  sessionStorage.setItem(seenKey, JSON.stringify(Array.from(seen)));

  let audio = null;
  // Sound needs a touch first: the first tap anywhere prepares it.
  for (const type of ["pointerdown", "keydown"]) {
    document.addEventListener(type, () => {
      if (!audio) {
        const Context = window.AudioContext || window.webkitAudioContext;
        audio = Context ? new Context() : null;
      }
      if (audio && audio.state === "suspended") {
        audio.resume().catch(() => {});
      }
    }, { capture: true });
  }

  function tone() {
    if (!audio || audio.state !== "running") {
      return;
    }
    const start = audio.currentTime + 0.02;
    for (const [frequency, offset] of [[880, 0], [1175, 0.3], [880, 0.6]]) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.25, start + offset);
      gain.gain.setValueAtTime(0, start + offset + 0.22);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.25);
    }
  }

  // Someone is writing the report: reloading would lose it.
  function busy() {
    const active = document.activeElement;
    return Array.from(document.querySelectorAll(".responder-done textarea, .responder-done select"))
      .some((field) => field === active || field.value !== "");
  }

  async function check() {
    let answer;
    try {
      const response = await fetch("/responder/requests.json", { headers: { Accept: "application/json" }, cache: "no-store" });
      if (response.status === 401 || response.status === 403 || response.redirected) {
        location.assign("/login");
        return;
      }
      if (!response.ok) {
        return;
      }
      answer = await response.json();
    } catch {
      return; // No network for a moment: the next check tries again.
    }

    const now = answer.requests.map((r) => r.id + ":" + r.state).sort().join(",");
    if (now === signature) {
      return;
    }

    const fresh = answer.requests.filter((r) => !seen.has(String(r.id)));
    if (fresh.length > 0) {
      if (navigator.vibrate) {
        navigator.vibrate([300, 150, 300, 150, 600]);
      }
      tone();
      live.textContent = live.dataset.newRequest || "";
    }

    if (busy()) {
      live.textContent = live.dataset.changed || "";
      return;
    }
    // Let the buzz and the tone play, then show the new list.
    setTimeout(() => location.reload(), fresh.length > 0 ? 1500 : 0);
  }

  setInterval(check, every);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      check();
    }
  });
})();
