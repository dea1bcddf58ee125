// Live provisioned hosts: follows the host operations over SignalR and rewrites the step cell of the row (or the
// steps of the host page) whose operation changed; a finished operation reloads the page for the host's new state.
(() => {
    const table = document.getElementById("cloud-hosts") || document.getElementById("host-operations");
    const state = document.getElementById("live-state");
    if (!table || !window.signalR) return;

    const escape = text => String(text).replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
    const show = text => { if (state) state.textContent = text; };
    const connection = new signalR.HubConnectionBuilder().withUrl("/hubs/cloud-hosts").withAutomaticReconnect().build();

    connection.on("hostOperationChanged", operation => {
        const holder = document.querySelector(`[data-operation="${CSS.escape(operation.id)}"]`);
        if (!holder) return;
        if (operation.state === "Succeeded" || operation.state === "Failed") {
            location.reload();
            return;
        }
        const step = operation.steps.length ? operation.steps[operation.steps.length - 1].name : "";
        const cell = holder.querySelector('[data-field="step"]');
        const error = operation.error ? `<div class="text-danger">${escape(operation.error)}</div>` : "";
        if (cell)
            cell.innerHTML = escape(step) + error;
        const steps = holder.querySelector("ol");
        if (steps)
            steps.innerHTML = operation.steps.map(s => `<li data-step="${escape(s.name)}">${escape(s.name)}` +
                (s.error ? `<div class="text-danger">${escape(s.error)}</div>` : "") + "</li>").join("");
        show(`live · updated ${new Date().toLocaleTimeString()}`);
    });
    connection.onreconnecting(() => show("reconnecting…"));
    connection.onreconnected(() => connection.invoke("Follow").then(() => show("live")));
    connection.start()
        .then(() => connection.invoke("Follow"))
        .then(() => show("live"))
        .catch(() => show("not live: reload to see changes"));
})();
