// Live hosts: follows the cluster named by #hosts[data-cluster] over SignalR and rewrites the rows (and the
// host page's status) of the hosts that change. No polling: the server pushes what its cluster watch sees.
(() => {
    const table = document.getElementById("hosts");
    const state = document.getElementById("live-state");
    if (!table || !window.signalR) return;

    const badge = (cls, icon, text) => `<span class="badge ${cls}"><i class="bi bi-${icon}" aria-hidden="true"></i> ${text}</span>`;
    const escape = text => String(text).replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
    const statusHtml = host =>
        (host.ready ? badge("text-bg-success", "check-circle", "Ready") : badge("text-bg-danger", "x-circle", "NotReady")) +
        (host.unschedulable ? " " + badge("text-bg-secondary", "slash-circle", "Cordoned") : "") +
        host.pressures.split(",").filter(p => p).map(p => " " + badge("text-bg-warning", "exclamation-triangle", escape(p))).join("");

    const show = text => { if (state) state.textContent = text; };
    const connection = new signalR.HubConnectionBuilder().withUrl("/hubs/hosts").withAutomaticReconnect().build();

    connection.on("hostsChanged", hosts => {
        for (const host of hosts) {
            const row = table.querySelector(`tr[data-host="${CSS.escape(host.name)}"]`);
            if (!row && table.dataset.reloadOnFirstHosts === "true") {
                // The page said "no host yet" for the whole cluster: its first hosts have arrived.
                location.reload();
                return;
            }
            if (row) {
                const set = (field, html) => { const cell = row.querySelector(`[data-field="${field}"]`); if (cell) cell.innerHTML = html; };
                set("status", statusHtml(host));
                set("cpu", `${escape(host.cpu)} (${escape(host.cpuShare)})`);
                set("memory", `${escape(host.memory)} (${escape(host.memoryShare)})`);
                set("usage", `${escape(host.cpuUsage ?? "—")} / ${escape(host.memoryUsage ?? "—")}`);
                set("pods", `${host.pods} / ${host.podAllocatable}`);
            }
            const status = document.querySelector(`[data-host-status="${CSS.escape(host.name)}"] [data-field="status"]`);
            if (status) status.innerHTML = statusHtml(host);
        }
        show(`live · updated ${new Date().toLocaleTimeString()}`);
    });
    connection.onreconnecting(() => show("reconnecting…"));
    connection.onreconnected(() => connection.invoke("Follow", table.dataset.cluster).then(() => show("live")));

    connection.start()
        .then(() => connection.invoke("Follow", table.dataset.cluster))
        .then(() => show("live"))
        .catch(() => show("not live: reload to see changes"));
})();
