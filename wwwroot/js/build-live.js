// Live build: follows the build of #build-live[data-tenant][data-app][data-build] over SignalR while it has not
// ended. The page holds the log kept so far (#build-log[data-last-sequence]); following answers with what was written
// since, and each part the run writes afterwards comes as "logAppended". Parts are put in order by their sequence and
// each is shown once, whichever way it came. The build's operation comes as "buildChanged" as its steps move on; when
// it ends, the page is loaded again to show how the build ended (its image, or why it failed). Text goes in with text
// nodes only. Keep the badge words and colours in step with BuildWords.Badge.
(() => {
    const root = document.getElementById("build-live");
    if (!root || !window.signalR || root.dataset.finished === "true") return;
    const { tenant, app } = root.dataset;
    const build = Number(root.dataset.build);
    const log = document.getElementById("build-log");
    const empty = document.getElementById("log-empty");
    const liveState = document.getElementById("live-state");
    const badgeHolder = document.getElementById("build-state");
    const steps = document.getElementById("build-steps");
    const styles = {
        Queued: ["text-bg-light border", "hourglass-split"],
        Running: ["text-bg-info", "arrow-repeat"],
        Succeeded: ["text-bg-success", "check-circle"],
        Failed: ["text-bg-danger", "x-octagon"],
        Cancelled: ["text-bg-secondary", "slash-circle"],
    };
    let last = Number(log.dataset.lastSequence || "0");
    let reloading = false;
    const pending = new Map();
    const show = text => { if (liveState) liveState.textContent = text; };

    const append = part => {
        if (part.sequence <= last || pending.has(part.sequence)) return;
        pending.set(part.sequence, part.text);
        const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
        let added = false;
        while (pending.has(last + 1)) {
            log.append(document.createTextNode(pending.get(last + 1)));
            pending.delete(last + 1);
            last += 1;
            added = true;
        }
        if (!added) return;
        log.dataset.lastSequence = String(last);
        if (empty) empty.hidden = true;
        if (atBottom) log.scrollTop = log.scrollHeight;
    };

    const showBadge = state => {
        if (!badgeHolder || badgeHolder.dataset.shown === state) return;
        const [css, icon] = styles[state] ?? styles.Queued;
        const badge = document.createElement("span");
        badge.className = `badge ${css}`;
        badge.dataset.buildState = state;
        const glyph = document.createElement("i");
        glyph.className = `bi bi-${icon}`;
        glyph.setAttribute("aria-hidden", "true");
        badge.append(glyph, ` ${state.toLowerCase()}`);
        badgeHolder.replaceChildren(badge);
        badgeHolder.dataset.shown = state;
    };

    const seconds = (from, to) => Math.max(0, Math.round((new Date(to) - new Date(from)) / 1000));
    const showSteps = list => {
        if (!steps || !list || list.length === 0) return;
        steps.replaceChildren(...list.map(step => {
            const item = document.createElement("li");
            item.className = "list-group-item small d-flex gap-2";
            item.dataset.step = step.name;
            const mark = document.createElement("span");
            mark.setAttribute("aria-hidden", "true");
            mark.textContent = step.error ? "✗" : step.finishedAt ? "✓" : "…";
            const name = document.createElement("span");
            name.textContent = step.name;
            const time = document.createElement("span");
            time.className = "ms-auto text-body-secondary";
            time.textContent = step.error ? "failed"
                : step.finishedAt ? `${seconds(step.startedAt, step.finishedAt)} s` : "running";
            item.append(mark, name, time);
            return item;
        }));
    };

    const ended = state => ["Succeeded", "Failed", "Cancelled"].includes(state);
    const reload = () => {
        if (reloading) return;
        reloading = true;
        show("ended · loading how…");
        window.location.reload();
    };

    const connection = new signalR.HubConnectionBuilder().withUrl("/hubs/builds").withAutomaticReconnect().build();
    connection.on("logAppended", append);
    connection.on("buildChanged", operation => {
        showSteps(operation.steps);
        if (operation.state === "Succeeded" || operation.state === "Failed") reload();
        else {
            showBadge("Running");
            show(`live · updated ${new Date().toLocaleTimeString()}`);
        }
    });
    // Following answers with the build as it is now and the log written since the page was made.
    const follow = () => connection.invoke("Follow", tenant, app, build, last).then(followed => {
        followed.chunks.forEach(append);
        showSteps(followed.build.steps);
        showBadge(followed.build.state);
        if (ended(followed.build.state)) reload();
        else show("live");
    });
    connection.onreconnecting(() => show("reconnecting…"));
    connection.onreconnected(() => follow().catch(() => show("not live: reload to see changes")));
    connection.start()
        .then(follow)
        .catch(() => show("not live: reload to see changes"));
})();
