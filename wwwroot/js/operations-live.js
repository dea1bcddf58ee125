// Live operations: follows the tenant of #operations[data-tenant] over SignalR and rewrites the state and the
// steps of each operation as its job advances. A new operation (not on the page yet) reloads the page.
(() => {
    const table = document.getElementById("operations");
    const state = document.getElementById("live-state");
    if (!table || !window.signalR) return;

    const escape = text => String(text ?? "").replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
    const time = value => value ? new Date(value).toISOString().substring(11, 19) : "";
    const badges = {
        Succeeded: '<span class="badge text-bg-success">Succeeded</span>',
        Running: '<span class="badge text-bg-info">Running</span>',
        Queued: '<span class="badge text-bg-secondary">Queued</span>',
    };
    const show = text => { if (state) state.textContent = text; };

    const connection = new signalR.HubConnectionBuilder().withUrl("/hubs/operations").withAutomaticReconnect().build();
    const apply = (operation, reloadIfNew) => {
        const row = table.querySelector(`tr[data-operation="${CSS.escape(operation.id)}"]`);
        if (!row) { if (reloadIfNew) location.reload(); return; }
        row.querySelector('[data-field="state"]').innerHTML = operation.state === "Failed"
            ? `<span class="badge text-bg-danger">Failed</span>` +
                `<div class="small text-danger">${escape(operation.error)}</div>`
            : badges[operation.state] ?? escape(operation.state);
        row.querySelector('[data-field="steps"]').innerHTML = operation.steps.map(step =>
            `<div>${step.finishedAt && !step.error ? "✓" : step.error ? "✗" : "…"} ${escape(step.name)} ` +
            `<span class="text-body-secondary">${time(step.startedAt)}` +
            `${step.finishedAt ? "–" + time(step.finishedAt) : ""}</span>` +
            (step.waiting && !step.finishedAt
                ? `<div class="text-body-secondary">${escape(step.waiting)}</div>` : "") +
            "</div>").join("");
    };
    connection.on("operationChanged", operation => {
        apply(operation, true);
        show(`live · updated ${new Date().toLocaleTimeString()}`);
    });
    // Following answers with the operations as they are now: whatever changed before it is caught up here.
    const follow = () => connection.invoke("Follow", table.dataset.tenant)
        .then(operations => { operations.forEach(operation => apply(operation, false)); show("live"); });
    connection.onreconnecting(() => show("reconnecting…"));
    connection.onreconnected(follow);
    connection.start()
        .then(follow)
        .catch(() => show("not live: reload to see changes"));
})();
