// Live middleware instance: follows the instance of #instance-live[data-tenant][data-environment][data-instance] over SignalR.
// Each time an operation on it moves on ("instanceChanged"), the instance is asked for again and its state badge, reason,
// endpoint and ready pods are rewritten; a failed operation shows its error at once. No polling. Text goes in with
// textContent only. Keep the badge words and colours in step with the _StateBadge partial.
(() => {
    const root = document.getElementById("instance-live");
    if (!root || !window.signalR) return;
    const { tenant, environment, instance } = root.dataset;
    const liveState = root.querySelector("[data-live-state]");
    const badge = root.querySelector("[data-instance-state]");
    const reason = document.getElementById("instance-reason");
    const endpoint = document.getElementById("endpoint");
    const ready = document.querySelector("[data-pods-ready]");
    const wanted = document.querySelector("[data-pods-wanted]");
    const styles = {
        Ready: ["text-bg-success", "check-circle"],
        Failed: ["text-bg-danger", "x-octagon"],
        Deleting: ["text-bg-secondary", "trash"],
    };
    const setText = (element, text) => { if (element) element.textContent = text ?? ""; };
    const show = text => setText(liveState, text);

    const showState = (state, why) => {
        if (badge) {
            const [css, icon] = styles[state] ?? ["text-bg-info", "hourglass-split"];
            badge.className = `badge ${css}`;
            badge.dataset.instanceState = state;
            const glyph = document.createElement("i");
            glyph.className = `bi bi-${icon}`;
            glyph.setAttribute("aria-hidden", "true");
            badge.replaceChildren(glyph, ` ${state.toLowerCase()}`);
        }
        if (reason) {
            reason.hidden = !why;
            setText(reason, why);
        }
    };
    const render = view => {
        showState(view.state, view.reason);
        setText(endpoint, view.endpoint ?? "not ready yet");
        setText(ready, String(view.pods.filter(pod => pod.ready).length));
        setText(wanted, String(view.replicas));
    };

    const connection = new signalR.HubConnectionBuilder().withUrl("/hubs/instances").withAutomaticReconnect().build();
    // Following answers with the instance as it is now: whatever changed before it is caught up here.
    const follow = () => connection.invoke("Follow", tenant, environment, instance).then(view => {
        render(view);
        show(`live · updated ${new Date().toLocaleTimeString()}`);
    });
    connection.on("instanceChanged", operation => {
        // A failed operation is the instance's failure, with the operation's error as its reason.
        if (operation.state === "Failed" && !operation.kind.endsWith(".delete")) {
            showState("Failed", operation.error);
            show(`live · updated ${new Date().toLocaleTimeString()}`);
            return;
        }
        follow().catch(() => show("not live: reload to see changes"));
    });
    connection.onreconnecting(() => show("reconnecting…"));
    connection.onreconnected(() => follow().catch(() => show("not live: reload to see changes")));
    connection.start()
        .then(follow)
        .catch(() => show("not live: reload to see changes"));
})();
