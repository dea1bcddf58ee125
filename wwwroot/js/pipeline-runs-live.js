// Live runs list: follows the runs of the tenant of #runs-live[data-tenant] over SignalR ("runsChanged"). A run shown
// in the list gets its new state in words; any change (a new run too) shows the "changed — reload" note, as the list's
// filters and paging are the server's.
(() => {
    const root = document.getElementById("runs-live");
    const note = document.getElementById("runs-changed");
    if (!root || !note || !window.signalR) return;
    const words = { WaitingToStart: "waiting to be started", AwaitingApproval: "awaiting approval" };
    const connection = new signalR.HubConnectionBuilder().withUrl("/hubs/pipelines").withAutomaticReconnect().build();
    connection.on("runsChanged", view => {
        const row = document.querySelector(`#runs tr[data-run-id="${CSS.escape(view.id)}"]`);
        const badge = row?.querySelector("[data-run-state] [data-state]");
        if (badge && badge.dataset.state !== view.state) {
            badge.dataset.state = view.state;
            badge.lastChild.textContent = ` ${words[view.state] ?? view.state.toLowerCase()}`;
            badge.className = "badge text-bg-light border";
        }
        note.hidden = false;
    });
    const follow = () => connection.invoke("FollowRuns", root.dataset.tenant);
    connection.onreconnected(() => follow().catch(() => {}));
    connection.start().then(follow).catch(() => {});
})();
