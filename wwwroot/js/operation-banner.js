// The banner of a queued operation (#operation-banner[data-tenant][data-operation]) follows it over the operations hub and
// says how it really ended: blue while it is queued or running, green when it succeeded, red with its error when it failed.
// Text goes in with textContent only.
(() => {
    const banner = document.getElementById("operation-banner");
    if (!banner || !window.signalR) return;
    const { tenant, operation } = banner.dataset;
    const state = banner.querySelector("[data-banner-state]");
    const words = {
        Queued: ["alert-info", "Queued."],
        Running: ["alert-info", "Running…"],
        Succeeded: ["alert-success", "Succeeded."],
        Failed: ["alert-danger", "Failed."],
    };

    const apply = update => {
        if (update.id !== operation) return false;
        const [css, text] = words[update.state] ?? ["alert-info", `${update.state}.`];
        banner.classList.remove("alert-info", "alert-success", "alert-danger");
        banner.classList.add(css);
        banner.dataset.state = update.state;
        banner.setAttribute("role", update.state === "Failed" ? "alert" : "status");
        state.textContent = update.state === "Failed" && update.error ? `${text} ${update.error}` : text;
        return true;
    };

    const connection = new signalR.HubConnectionBuilder().withUrl("/hubs/operations").withAutomaticReconnect().build();
    connection.on("operationChanged", apply);
    // Following answers with the tenant's recent operations as they are now: one that ended before the page was made is caught up here.
    const follow = () => connection.invoke("Follow", tenant).then(operations => operations.some(apply));
    connection.onreconnected(follow);
    connection.start().then(follow).catch(() => { state.textContent = "Queued (reload to see how it ends)."; });
})();
