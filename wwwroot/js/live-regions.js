// Parts of a page that follow the monitoring hub: an element with data-live-region="name", data-live="scope" (platform or
// tenant:slug) and data-live-events="SamplesTaken AlertsChanged" is fetched again (the page's own address, so filters and
// paging stay) and swapped in place when one of those events arrives for its scope. One connection serves every region.
(function () {
  "use strict";
  const regions = Array.from(document.querySelectorAll("[data-live-region][data-live]"));
  const stateText = document.querySelector("[data-live-state-text]");
  if (regions.length === 0 || typeof signalR === "undefined") return;
  const scopes = [...new Set(regions.map((r) => r.dataset.live))];
  const timers = new Map();

  function mark(state, text) {
    regions.forEach((r) => { r.dataset.liveState = state; });
    if (stateText) stateText.textContent = text;
  }

  async function refresh(event) {
    const stale = regions.filter((r) => (r.dataset.liveEvents || "").split(/\s+/).includes(event));
    if (stale.length === 0) return;
    const answer = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!answer.ok) return;
    const page = new DOMParser().parseFromString(await answer.text(), "text/html");
    for (const region of stale) {
      const fresh = page.querySelector(`[data-live-region="${region.dataset.liveRegion}"]`);
      if (fresh) region.replaceChildren(...fresh.childNodes);
    }
  }

  function later(event) {
    clearTimeout(timers.get(event));
    timers.set(event, setTimeout(() => refresh(event).catch(() => {}), 300));
  }

  const connection = new signalR.HubConnectionBuilder().withUrl("/hubs/monitoring").withAutomaticReconnect().build();
  ["SamplesTaken", "AlertsChanged"].forEach((event) => connection.on(event, () => later(event)));
  const watch = () => Promise.all(scopes.map((scope) => connection.invoke("Watch", scope)));
  connection.onreconnecting(() => mark("reconnecting", "Reconnecting…"));
  connection.onreconnected(() => watch().then(() => { mark("connected", "Updates live"); later("AlertsChanged"); later("SamplesTaken"); }));
  connection.onclose(() => mark("offline", "Live updates stopped: reload to refresh"));
  connection.start()
    .then(watch)
    .then(() => mark("connected", "Updates live"))
    .catch(() => mark("offline", "Live updates unavailable: reload to refresh"));
})();
