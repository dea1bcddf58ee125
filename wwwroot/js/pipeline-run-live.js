// Live run: follows the run of #run-live[data-tenant][data-app][data-pipeline][data-run] over SignalR. The page holds
// the log kept so far (#run-log[data-last-sequence], perhaps filtered to one stage by [data-stage-filter]); following
// answers with the run as it is now and the lines written since, and each line written afterwards comes as
// "logAppended". Lines are put in order by their sequence and each is shown once, whichever way it came; a reconnect
// follows again from the last sequence shown. When the run changes ("runChanged"), the header and the stage graph are
// read again from the page itself (one rendering, the server's, with the actions the viewer may take), unless a
// comment is being written in a decision form: then a note says the run moved on. Text goes in with text nodes only;
// a line is written as RunWords.LogLine writes it.
(() => {
    const root = document.getElementById("run-live");
    if (!root || !window.signalR) return;
    const { tenant, app, pipeline } = root.dataset;
    const run = Number(root.dataset.run);
    const log = document.getElementById("run-log");
    const empty = document.getElementById("log-empty");
    const liveState = () => document.getElementById("live-state");
    const stageFilter = log.dataset.stageFilter || "";
    let last = Number(log.dataset.lastSequence || "0");
    let refreshing = false;
    let again = false;
    const pending = new Map();
    const show = text => { const live = liveState(); if (live) live.textContent = text; };

    const pad = n => String(n).padStart(2, "0");
    const time = at => {
        const d = new Date(at);
        return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    };
    const append = line => {
        if (line.sequence <= last || pending.has(line.sequence)) return;
        pending.set(line.sequence, line);
        const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
        let added = false;
        while (pending.has(last + 1)) {
            const next = pending.get(last + 1);
            pending.delete(last + 1);
            last += 1;
            if (stageFilter && next.stage !== stageFilter) continue;
            const span = document.createElement("span");
            span.className = "run-log-line";
            span.dataset.sequence = String(next.sequence);
            span.dataset.stage = next.stage;
            const text = `${time(next.at)} [${next.stage}] ${next.text.replace(/\n+$/, "")}\n`;
            span.append(document.createTextNode(text));
            log.append(span);
            added = true;
        }
        log.dataset.lastSequence = String(last);
        if (!added) return;
        if (empty) empty.hidden = true;
        if (atBottom) log.scrollTop = log.scrollHeight;
    };

    // A comment being written must not be swept away by a change of the run.
    const writing = () =>
        Array.from(document.querySelectorAll("#run-graph textarea")).some(t => t.value.trim() !== "");
    const refresh = () => {
        if (refreshing) { again = true; return; }
        if (writing()) { show("the run moved on: reload to see it"); return; }
        refreshing = true;
        fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
            .then(response => response.ok ? response.text() : Promise.reject(response.status))
            .then(html => {
                const page = new DOMParser().parseFromString(html, "text/html");
                for (const id of ["run-header", "run-graph"]) {
                    const fresh = page.getElementById(id);
                    const current = document.getElementById(id);
                    if (fresh && current) current.replaceWith(document.importNode(fresh, true));
                }
                show(`live · updated ${new Date().toLocaleTimeString()}`);
            })
            .catch(() => show("not live: reload to see changes"))
            .finally(() => {
                refreshing = false;
                if (again) { again = false; refresh(); }
            });
    };
    // On following, the page may already be older than the run: its state or a stage's differs from the graph's.
    const differs = view =>
        view.state !== document.querySelector("#run-state [data-state]")?.dataset.state
        || view.stages.some(stage =>
            document.querySelector(`#run-graph [data-stage="${CSS.escape(stage.name)}"]`)?.dataset.stageState
                !== stage.state);

    const connection = new signalR.HubConnectionBuilder().withUrl("/hubs/pipelines").withAutomaticReconnect().build();
    connection.on("logAppended", append);
    connection.on("runChanged", () => refresh());
    const follow = () => connection.invoke("Follow", tenant, app, pipeline, run, last).then(followed => {
        followed.log.forEach(append);
        if (differs(followed.run)) refresh();
        show("live");
    });
    connection.onreconnecting(() => show("reconnecting…"));
    connection.onreconnected(() => follow().catch(() => show("not live: reload to see changes")));
    connection.start()
        .then(follow)
        .catch(() => show("not live: reload to see changes"));
})();
