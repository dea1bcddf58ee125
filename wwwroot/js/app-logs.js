// Live tail of a pod's log: streams the lines of the pod named by #log-lines over the applications hub (SignalR
// streaming) and appends them as text. Pause keeps the lines that arrive and shows them on resume; "follow the end"
// scrolls to each new line. The page keeps at most MaxLines lines. Changing a choice of the form above shows that log.
(() => {
    const form = document.getElementById("log-choice");
    if (form) {
        // Another environment has other pods: let the server choose one rather than send a pod that is not there.
        form.querySelectorAll("[data-submit-on-change]").forEach(input => input.addEventListener("change", () => {
            if (input.name === "environment") { form.elements.pod.value = ""; form.elements.container.value = ""; }
            if (input.name === "pod") form.elements.container.value = "";
            form.requestSubmit();
        }));
    }

    const view = document.getElementById("log-lines");
    const state = document.getElementById("log-state");
    if (!view || !window.signalR) return;
    const MaxLines = 5000;
    const pause = document.getElementById("log-pause");
    const autoscroll = document.getElementById("log-autoscroll");
    const clear = document.getElementById("log-clear");
    [pause, clear, document.getElementById("log-autoscroll-switch")].forEach(control => { if (control) control.hidden = false; });

    const show = text => { if (state) state.textContent = text; };
    let paused = false;
    let held = [];
    let shownLines = 0;

    const append = lines => {
        if (lines.length === 0) return;
        view.append(document.createTextNode(lines.join("\n") + "\n"));
        shownLines += lines.length;
        // Each append is one text node; drop whole nodes from the top until the page holds no more than MaxLines.
        while (shownLines > MaxLines && view.firstChild) {
            const dropped = view.firstChild.textContent.split("\n").length - 1;
            view.firstChild.remove();
            shownLines -= dropped;
        }
        if (autoscroll.checked) view.scrollTop = view.scrollHeight;
    };
    // Lines arrive one by one; showing them once per frame keeps a fast log from freezing the page.
    let pending = [];
    let scheduled = false;
    const receive = line => {
        if (paused) {
            held.push(line);
            if (held.length > MaxLines) held = held.slice(-MaxLines);
            show(`paused · ${held.length} new line${held.length === 1 ? "" : "s"} held`);
            return;
        }
        pending.push(line);
        if (!scheduled) {
            scheduled = true;
            requestAnimationFrame(() => { scheduled = false; append(pending); pending = []; });
        }
    };

    pause.addEventListener("click", () => {
        paused = !paused;
        pause.setAttribute("aria-pressed", String(paused));
        pause.querySelector("i").className = `bi bi-${paused ? "play" : "pause"}`;
        pause.querySelector("[data-text]").textContent = paused ? "Resume" : "Pause";
        if (!paused) {
            append(held);
            held = [];
            show(following ? "following" : "ended");
        } else {
            show("paused");
        }
    });
    clear.addEventListener("click", () => { view.textContent = ""; shownLines = 0; });

    const data = view.dataset;
    let following = false;
    const connection = new signalR.HubConnectionBuilder().withUrl("/hubs/applications").build();
    const stream = () => {
        following = true;
        show(data.previous === "true" ? "reading the previous instance…" : "following");
        connection.stream("StreamLog", data.tenant, data.app, data.environment, data.pod, data.container || null, data.previous === "true")
            .subscribe({
                next: receive,
                complete: () => { following = false; if (!paused) show(data.previous === "true" ? "end of the previous instance" : "ended: the container stopped"); },
                error: error => {
                    following = false;
                    // The hub says why in words after "HubException: ".
                    const message = String(error?.message ?? error);
                    const reason = message.includes("HubException: ") ? message.substring(message.indexOf("HubException: ") + 14) : message;
                    show("not following");
                    append([`— ${reason}`]);
                },
            });
    };
    connection.onclose(() => { if (following) show("disconnected: reload to follow again"); following = false; });
    connection.start()
        .then(stream)
        .catch(() => show("not live: reload to try again"));
})();
