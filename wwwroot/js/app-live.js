// Live application status: follows the application of #app-status[data-tenant][data-app] over SignalR and rewrites each
// environment's card (state, replicas, revision, usage, reason) and its pod rows as the server pushes "statusChanged".
// No polling: the server pushes what its cluster watch sees. Text goes in with textContent only; the markup of a new pod
// row comes from the <template id="app-pod-row"> of the _Status partial. Keep the words in step with AppStatusText.
(() => {
    const root = document.getElementById("app-status");
    if (!root || !window.signalR) return;
    const tenant = root.dataset.tenant;
    const app = root.dataset.app;
    const liveState = root.querySelector("[data-live-state]");
    const template = document.getElementById("app-pod-row");

    const badges = {
        Running: ["text-bg-success", "check-circle"],
        Deploying: ["text-bg-info", "arrow-repeat"],
        Failed: ["text-bg-danger", "x-octagon"],
        Stopped: ["text-bg-secondary", "pause-circle"],
        Removing: ["text-bg-warning", "trash"],
    };
    const cpu = millis => millis == null ? "—" : `${Number((millis / 1000).toFixed(3))} CPU`;
    const memory = bytes => {
        if (bytes == null) return "—";
        const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        let value = bytes, unit = 0;
        while (Math.abs(value) >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
        return `${unit === 0 ? Math.round(value) : Number(value.toFixed(1))} ${units[unit]}`;
    };
    const age = iso => {
        const seconds = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
        return seconds < 60 ? `${Math.floor(seconds)}s`
            : seconds < 3600 ? `${Math.floor(seconds / 60)}m`
            : seconds < 86400 ? `${Math.floor(seconds / 3600)}h`
            : `${Math.floor(seconds / 86400)}d`;
    };
    // The logs page's address comes from the page (data-logs, made by ApplicationRoutes), not from a copy of the route.
    const logsUrl = (environment, pod) =>
        `${root.dataset.logs}?environment=${encodeURIComponent(environment)}&pod=${encodeURIComponent(pod)}`;
    const field = (scope, name) => scope.querySelector(`[data-field="${name}"]`);
    // A card's own fields, not its pod rows' of the same name (reason, revision).
    const cardField = (card, name) => [...card.querySelectorAll(`[data-field="${name}"]`)].find(element => !element.closest("tbody"));
    const setText = (element, text) => { if (element) element.textContent = text ?? ""; };
    const show = text => setText(liveState, text);

    const renderPod = (row, environment, pod) => {
        row.dataset.pod = pod.name;
        setText(field(row, "name").querySelector("code"), pod.name);
        setText(field(row, "phase"), pod.phase);
        const ready = field(row, "ready").firstElementChild;
        ready.className = pod.ready ? "text-success" : "text-danger";
        ready.querySelector("i").className = `bi bi-${pod.ready ? "check-circle" : "x-circle"}`;
        setText(ready.querySelector("[data-text]"), pod.ready ? "Ready" : "Not ready");
        setText(field(row, "restarts"), String(pod.restarts));
        setText(field(row, "reason"), pod.reason);
        setText(field(row, "node"), pod.node);
        const time = field(row, "age").querySelector("time");
        // Times are UTC; one read back from SQLite comes without its zone.
        time.dateTime = /(Z|[+-]\d\d:\d\d)$/.test(pod.createdAt) ? pod.createdAt : `${pod.createdAt}Z`;
        setText(time, age(time.dateTime));
        setText(field(row, "ip"), pod.podIp);
        setText(field(row, "revision"), pod.revision == null ? "" : String(pod.revision));
        setText(field(row, "used-cpu"), cpu(pod.cpuUsageMillis));
        setText(field(row, "used-memory"), memory(pod.memoryUsageBytes));
        const link = field(row, "logs");
        link.href = logsUrl(environment, pod.name);
        setText(link.querySelector(".visually-hidden"), `Logs of ${pod.name}`);
    };

    const render = status => {
        const card = root.querySelector(`section[data-environment="${CSS.escape(status.environment)}"]`);
        if (!card) return false;
        const [css, icon] = badges[status.state] ?? ["text-bg-light", "question-circle"];
        const state = cardField(card, "state");
        state.className = `badge ${css}`;
        state.querySelector("i").className = `bi bi-${icon}`;
        setText(state.querySelector("[data-text]"), status.state);
        setText(cardField(card, "replicas"), `${status.readyReplicas} / ${status.desiredReplicas}`);
        setText(cardField(card, "revision"), String(status.revision));
        setText(cardField(card, "cpu"), cpu(status.cpuUsageMillis));
        setText(cardField(card, "memory"), memory(status.memoryUsageBytes));
        const reason = cardField(card, "reason");
        reason.hidden = !status.reason;
        setText(reason.querySelector("[data-text]"), status.reason);

        const body = card.querySelector("tbody[data-pods]");
        const rows = new Map([...body.querySelectorAll("tr[data-pod]")].map(row => [row.dataset.pod, row]));
        const empty = body.querySelector("tr[data-no-pods]");
        for (const pod of status.pods) {
            let row = rows.get(pod.name);
            rows.delete(pod.name);
            if (!row) row = template.content.firstElementChild.cloneNode(true);
            renderPod(row, status.environment, pod);
            body.insertBefore(row, empty); // in the order the server sends them
        }
        for (const gone of rows.values()) gone.remove();
        if (empty) empty.hidden = status.pods.length > 0;
        return true;
    };

    // The events of an environment ("Recent events in …") are asked for again when its status changes, at most once a second,
    // so that a rollout that fails shows its back-offs and restarts while it fails. Same markup as the _Events partial.
    const eventTimers = new Map();
    const element = (tag, className, text) => {
        const made = document.createElement(tag);
        if (className) made.className = className;
        if (text != null) made.textContent = text;
        return made;
    };
    const renderEvents = (environment, events) => {
        const box = document.querySelector(`details[data-events="${CSS.escape(environment)}"]`);
        if (!box) return;
        setText(box.querySelector("[data-events-count]"), String(events.length));
        const body = box.querySelector("[data-events-body]");
        if (!body) return;
        if (events.length === 0) {
            body.replaceChildren(element("p", "small text-body-secondary mb-0", "No recent event."));
            return;
        }
        const rows = events.map(item => {
            const row = document.createElement("tr");
            const type = element("td");
            const badge = element("span", item.type === "Warning" ? "badge text-bg-warning" : "badge text-bg-light");
            const icon = element("i", item.type === "Warning" ? "bi bi-exclamation-triangle" : "bi bi-info-circle");
            icon.setAttribute("aria-hidden", "true");
            badge.append(icon, ` ${item.type === "Warning" ? "Warning" : item.type}`);
            type.append(badge);
            const object = element("td");
            object.append(element("code", null, item.object));
            const seen = item.lastSeen == null ? null : /(Z|[+-]\d\d:\d\d)$/.test(item.lastSeen) ? item.lastSeen : `${item.lastSeen}Z`;
            row.append(type, element("td", null, item.reason), object, element("td", "summary", item.message), element("td", null, String(item.count)),
                element("td", "text-nowrap", seen ? `${new Date(seen).toISOString().substring(0, 19).replace("T", " ")} UTC` : "—"));
            return row;
        });
        const table = element("table", "table table-sm align-middle small mb-0");
        const caption = element("caption", "visually-hidden", "Recent events, newest first");
        const head = element("thead");
        const headRow = element("tr");
        for (const name of ["Type", "Reason", "Object", "Message", "Count", "Last seen"]) {
            const th = element("th", null, name);
            th.scope = "col";
            headRow.append(th);
        }
        head.append(headRow);
        const tbody = element("tbody");
        tbody.append(...rows);
        table.append(caption, head, tbody);
        const wrapper = element("div", "table-responsive");
        wrapper.append(table);
        body.replaceChildren(wrapper);
    };
    let connection;
    const refreshEvents = environment => {
        if (eventTimers.has(environment)) return;
        eventTimers.set(environment, setTimeout(() => {
            eventTimers.delete(environment);
            connection.invoke("Events", tenant, app, environment).then(events => renderEvents(environment, events)).catch(() => {});
        }, 1000));
    };

    // Ages move on without anything changing on the server: recount them from the page alone.
    setInterval(() => root.querySelectorAll("td[data-field=age] time[datetime]").forEach(time => setText(time, age(time.dateTime))), 30000);

    connection = new signalR.HubConnectionBuilder().withUrl("/hubs/applications").withAutomaticReconnect().build();
    connection.on("statusChanged", update => {
        if (update.app !== app) return;
        render(update.status);
        refreshEvents(update.status.environment);
        show(`live · updated ${new Date().toLocaleTimeString()}`);
    });
    // Following answers with the status as it is now: whatever changed before it is caught up here. An environment the page
    // does not show yet (deployed to since it was made) needs the page again.
    const follow = () => connection.invoke("Follow", tenant, app).then(statuses => {
        const shown = statuses.map(render).every(Boolean);
        statuses.forEach(status => refreshEvents(status.environment));
        show(shown ? "live" : "live · deployed to a new environment: reload to see it");
    });
    connection.onreconnecting(() => show("reconnecting…"));
    connection.onreconnected(follow);
    connection.start()
        .then(follow)
        .catch(() => show("not live: reload to see changes"));
})();
