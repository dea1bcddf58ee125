// Monitoring charts: draws every [data-charts] panel of a page with uPlot (/lib/uplot, a global `uPlot`).
// A panel fetches its data-source (plus range=) as JSON { from, to, step, charts: [{ id, title, unit, series:
// [{ label, points: [[unixSeconds, value|null], ...] }] }], marks: [{ at, label }] } and draws one <figure> per chart
// in its [data-chart-grid]. It refetches when a range button is pressed, on the auto-refresh period, and, for a panel
// with data-live="<scope>", when the /hubs/monitoring hub says "SamplesTaken" for that scope.
// The CSP forbids inline styles: only classes and the CSSOM (element.style, which uPlot uses) are used here.
// For browser tests each figure carries data-chart-id and data-points (non-null points drawn), each panel data-loaded,
// and window.portalCharts exposes the panels with their uPlot instances.
(() => {
    "use strict";

    const HEIGHT = 220;
    const DEFAULT_RANGES = ["1h", "24h", "7d"];
    const REFRESH_CHOICES = [[0, "Off"], [30, "30 s"], [60, "1 min"], [300, "5 min"]];
    const DEFAULT_REFRESH_SECONDS = 60;
    const LIVE_DEBOUNCE_MS = 500;
    // Bootstrap's blue, orange, green, purple, red, then darker cyan, brown and pink: readable on a white background.
    const PALETTE = ["#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#dc3545", "#0aa2c0", "#8c564b", "#d63384"];
    const AXIS_COLOR = "#495057";
    const GRID_COLOR = "rgba(33, 37, 41, 0.08)";
    const MARK_COLOR = "#6c757d";

    // ----- formatting -----------------------------------------------------------------------------------------------

    const trim = (value, digits) => String(Number(value.toFixed(digits)));

    const formatters = {
        millicores: v => v === 0 ? "0" : Math.abs(v) < 1000
            ? `${trim(v, Math.abs(v) < 10 ? 1 : 0)}m`
            : `${trim(v / 1000, 2)} ${Math.abs(v) === 1000 ? "core" : "cores"}`,
        bytes: v => {
            const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
            let value = v, unit = 0;
            while (Math.abs(value) >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
            return `${unit === 0 ? Math.round(value) : trim(value, Math.abs(value) < 10 ? 2 : 1)} ${units[unit]}`;
        },
        percent: v => `${trim(v, Math.abs(v) < 10 ? 1 : 0)}%`,
        count: v => String(Math.round(v)),
    };
    const formatterFor = unit => formatters[unit] ?? (v => `${trim(v, 2)}${unit ? ` ${unit}` : ""}`);

    // Tick steps for bytes follow powers of 1024, so the axis reads 256 MiB / 512 MiB rather than 268 MB-ish numbers.
    const byteIncrs = (() => {
        const steps = [];
        for (let power = 0; power <= 5; power++)
            for (const m of [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]) steps.push(m * 1024 ** power);
        return [...new Set(steps)].sort((a, b) => a - b);
    })();
    const countIncrs = (() => {
        const steps = [];
        for (let power = 0; power <= 9; power++) for (const m of [1, 2, 5]) steps.push(m * 10 ** power);
        return steps;
    })();

    const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
    const dayOfMonth = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
    const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
    const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

    // Time-axis labels in the browser's local time: hours and minutes, with the date under the first tick of each day.
    const timeAxisValues = (u, splits, axisIdx, foundSpace, foundIncr) => {
        let lastDay = null;
        return splits.map(ts => {
            if (ts == null) return null;
            const date = new Date(ts * 1000);
            if (foundIncr >= 86400) return dayOfMonth.format(date);
            const day = date.toDateString();
            const label = day !== lastDay ? `${timeOfDay.format(date)}\n${dayOfMonth.format(date)}` : timeOfDay.format(date);
            lastDay = day;
            return label;
        });
    };

    // Width of the y axis from its longest label, so "1.5 GiB" is never clipped.
    const axisSize = (u, values, axisIdx, cycleNum) => {
        const axis = u.axes[axisIdx];
        if (cycleNum > 1) return axis._size;
        let size = axis.ticks.size + axis.gap;
        const longest = (values ?? []).reduce((acc, v) => (v != null && String(v).length > acc.length ? String(v) : acc), "");
        if (longest) {
            u.ctx.font = axis.font[0];
            size += u.ctx.measureText(longest).width / (window.devicePixelRatio || 1);
        }
        return Math.ceil(size) + 4;
    };

    // ----- data -----------------------------------------------------------------------------------------------------

    // Series of one chart may be sampled at different times: one x array (sorted union) and one y array per series.
    // A value the server sent as null stays null (a gap in the line); where a series has no point at an x of another
    // series the value is undefined, which uPlot skips over (joins), as its own uPlot.join does.
    const alignSeries = series => {
        const xs = new Set();
        for (const s of series) for (const point of s.points ?? []) if (Array.isArray(point)) xs.add(Number(point[0]));
        const x = [...xs].filter(Number.isFinite).sort((a, b) => a - b);
        const index = new Map(x.map((ts, i) => [ts, i]));
        let points = 0;
        const ys = series.map(s => {
            const y = new Array(x.length).fill(undefined);
            for (const point of s.points ?? []) {
                if (!Array.isArray(point)) continue;
                const i = index.get(Number(point[0]));
                if (i === undefined) continue;
                y[i] = point[1] == null || !Number.isFinite(Number(point[1])) ? null : Number(point[1]);
            }
            points += y.reduce((n, v) => (v != null ? n + 1 : n), 0);
            return y;
        });
        return { data: [x, ...ys], points };
    };

    const lastValue = y => {
        for (let i = y.length - 1; i >= 0; i--) if (y[i] != null) return y[i];
        return null;
    };

    const summary = (chart, data) => {
        const format = formatterFor(chart.unit);
        const parts = (chart.series ?? []).map((s, i) => {
            const value = lastValue(data[i + 1]);
            return `${s.label} ${value == null ? "no samples" : format(value)}`;
        });
        return `${chart.title ?? chart.id}: ${parts.join(", ")}`;
    };

    // ----- deploy marks ---------------------------------------------------------------------------------------------

    // Room above the plot for the labels of deploy marks (CSS px).
    const MARK_BAND = 18;

    // At most this many rows of labels: one in the band above the plot, the others over its top.
    const MARK_ROWS = 2;

    // Marks closer than this (CSS px) share one line and one label ("Revision 7 (deploy) +3"): many deploys in a short
    // time do not pile up.
    const MARK_GROUP = 12;

    // Groups the marks in view, in time order, by their distance on the x axis: one per group, drawn at its first
    // mark, labelled by its last one (the latest deploy) and how many more it holds.
    const groupMarks = (marks, position, distance) => {
        const groups = [];
        for (const mark of marks) {
            const x = position(mark.at);
            const group = groups[groups.length - 1];
            if (group && x - group.x < distance) {
                group.count++;
                group.last = mark.label;
            } else {
                groups.push({ x, count: 1, last: mark.label });
            }
        }
        return groups.map(g => ({ x: g.x, label: g.count === 1 ? g.last : `${g.last} +${g.count - 1}` }));
    };

    // Draws each group of marks as a dashed vertical line across the plot, its label in the band above the plot; a
    // label that would overlap another drops one row, over the plot on a translucent background; one that fits in none
    // of the rows is left out (its line stays).
    const marksPlugin = state => ({
        hooks: {
            draw: [u => {
                const marks = state.marks;
                if (!marks?.length) return;
                const { ctx } = u;
                const { left, top, width, height } = u.bbox;
                const ratio = window.devicePixelRatio || 1;
                const fontPx = Math.round(11 * ratio);
                const pad = Math.round(3 * ratio);
                const rowHeight = Math.round(MARK_BAND * ratio) - 2 * ratio;
                const min = u.scales.x.min, max = u.scales.x.max;
                const rows = []; // per row, the [from, to] of the labels already placed in it
                ctx.save();
                ctx.font = `${fontPx}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
                ctx.textAlign = "left";
                ctx.textBaseline = "middle";
                const shown = groupMarks(marks.filter(m => m.at >= min && m.at <= max).sort((a, b) => a.at - b.at),
                    at => Math.round(u.valToPos(at, "x", true)) + 0.5, MARK_GROUP * ratio);
                ctx.strokeStyle = MARK_COLOR;
                ctx.lineWidth = Math.max(1, Math.round(ratio));
                ctx.setLineDash([4 * ratio, 3 * ratio]);
                for (const { x } of shown) {
                    ctx.beginPath();
                    ctx.moveTo(x, top - rowHeight);
                    ctx.lineTo(x, top + height);
                    ctx.stroke();
                }
                ctx.setLineDash([]);
                // Labels after all lines, on a background, so no line runs through a label.
                for (const { x, label } of shown) {
                    if (!label) continue;
                    const boxWidth = ctx.measureText(label).width + 2 * pad;
                    // Right of the line, or left of it where the label would leave the plot.
                    let boxLeft = x + ratio;
                    if (boxLeft + boxWidth > left + width) boxLeft = Math.max(left, x - ratio - boxWidth);
                    const boxRight = boxLeft + boxWidth;
                    let row = rows.findIndex(placed => placed.every(([from, to]) => boxRight + pad <= from || boxLeft >= to + pad));
                    if (row < 0) {
                        if (rows.length >= MARK_ROWS) continue;
                        row = rows.length;
                        rows.push([]);
                    }
                    rows[row].push([boxLeft, boxRight]);
                    const boxTop = top - rowHeight - ratio + row * (rowHeight + ratio);
                    ctx.fillStyle = "rgba(255, 255, 255, 0.85)";
                    ctx.fillRect(boxLeft, boxTop, boxWidth, rowHeight);
                    ctx.fillStyle = "#343a40";
                    ctx.fillText(label, boxLeft + pad, boxTop + rowHeight / 2);
                }
                ctx.restore();
            }],
        },
    });

    // ----- one chart ------------------------------------------------------------------------------------------------

    const el = (tag, className, text) => {
        const element = document.createElement(tag);
        if (className) element.className = className;
        if (text != null) element.textContent = text;
        return element;
    };

    class Chart {
        constructor(id) {
            this.id = id;
            this.plot = null;
            this.shape = "";
            this.state = { marks: [], from: null, to: null };
            this.figure = el("figure", "chart-figure");
            this.figure.dataset.chartId = id;
            this.figure.dataset.points = "0";
            this.caption = el("figcaption", "chart-caption");
            this.captionTitle = el("span", "chart-title");
            this.captionUnit = el("span", "chart-unit text-body-secondary");
            this.caption.append(this.captionTitle, " ", this.captionUnit);
            this.host = el("div", "chart-plot");
            this.empty = el("p", "chart-empty text-body-secondary", "No samples in this range yet.");
            this.empty.hidden = true;
            this.figure.append(this.caption, this.host, this.empty);
            this.resizer = new ResizeObserver(() => this.resize());
            this.resizer.observe(this.host);
        }

        width() { return Math.max(200, Math.floor(this.host.clientWidth || this.figure.clientWidth || 400)); }

        resize() {
            if (!this.plot) return;
            const width = this.width();
            if (width !== this.plot.width) this.plot.setSize({ width, height: HEIGHT });
        }

        render(chart, answer) {
            const series = chart.series ?? [];
            this.captionTitle.textContent = chart.title ?? chart.id;
            this.captionUnit.textContent = chart.unit ? `(${chart.unit})` : "";
            this.state.marks = (answer.marks ?? []).filter(m => Number.isFinite(Number(m.at))).map(m => ({ at: Number(m.at), label: m.label ?? "" }));
            this.state.from = Number.isFinite(Number(answer.from)) ? Number(answer.from) : null;
            this.state.to = Number.isFinite(Number(answer.to)) ? Number(answer.to) : null;
            const { data, points } = alignSeries(series);

            if (points === 0) {
                this.destroyPlot();
                this.host.hidden = true;
                this.empty.hidden = false;
            } else {
                this.host.hidden = false;
                this.empty.hidden = true;
                // Same unit and series: new data into the same plot (keeps legend toggles); otherwise a new plot.
                const shape = JSON.stringify([chart.unit ?? "", series.map(s => s.label)]);
                if (this.plot && shape === this.shape) {
                    this.plot.setData(data);
                } else {
                    this.destroyPlot();
                    this.shape = shape;
                    this.plot = new uPlot(this.options(chart), data, this.host);
                }
                const canvas = this.plot.ctx.canvas;
                canvas.setAttribute("role", "img");
                canvas.setAttribute("aria-label", summary(chart, data));
            }
            this.figure.dataset.points = String(points);
            return this.plot;
        }

        options(chart) {
            const format = formatterFor(chart.unit);
            const state = this.state;
            const yAxis = {
                stroke: AXIS_COLOR,
                grid: { stroke: GRID_COLOR, width: 1 },
                ticks: { stroke: GRID_COLOR, width: 1 },
                size: axisSize,
                values: (u, splits) => splits.map(v => (v == null ? null : format(v))),
            };
            if (chart.unit === "bytes") yAxis.incrs = byteIncrs;
            if (chart.unit === "count") yAxis.incrs = countIncrs;
            return {
                width: this.width(),
                height: HEIGHT,
                padding: [MARK_BAND + 4, null, null, null],
                cursor: { points: { size: 6 } },
                legend: { show: true, live: true },
                scales: {
                    // The x axis spans the whole range asked for, even where there are no samples yet.
                    x: { time: true, range: (u, min, max) => [state.from ?? min, state.to ?? max] },
                    // Every unit drawn here is a quantity: the y axis starts at 0.
                    y: {
                        range: (u, min, max) => {
                            const top = max > 0 ? max : 1;
                            const [, niceMax] = uPlot.rangeNum(Math.min(0, min ?? 0), chart.unit === "count" ? Math.max(top, 1) : top, 0.1, true);
                            return [Math.min(0, min ?? 0), niceMax];
                        },
                    },
                },
                axes: [
                    { stroke: AXIS_COLOR, grid: { stroke: GRID_COLOR, width: 1 }, ticks: { stroke: GRID_COLOR, width: 1 }, values: timeAxisValues, space: 60 },
                    yAxis,
                ],
                series: [
                    { label: "Time", value: (u, ts) => (ts == null ? "—" : dateTime.format(new Date(ts * 1000))) },
                    ...(chart.series ?? []).map((s, i) => {
                        const color = PALETTE[i % PALETTE.length];
                        return {
                            label: s.label,
                            stroke: color,
                            width: 2,
                            fill: i === 0 ? `${color}14` : undefined,
                            spanGaps: false,
                            points: { size: 5 },
                            value: (u, v) => (v == null ? "—" : format(v)),
                        };
                    }),
                ],
                plugins: [marksPlugin(state)],
            };
        }

        destroyPlot() {
            if (this.plot) this.plot.destroy();
            this.plot = null;
            this.shape = "";
        }

        remove() {
            this.destroyPlot();
            this.resizer.disconnect();
            this.figure.remove();
        }
    }

    // ----- range in the URL hash ------------------------------------------------------------------------------------

    const hashParams = () => {
        const hash = location.hash.replace(/^#/, "");
        return new URLSearchParams(hash.includes("=") ? hash : "");
    };
    const hashRange = () => hashParams().get("range");
    const keepRangeInHash = range => {
        const params = hashParams();
        params.set("range", range);
        history.replaceState(history.state, "", `${location.pathname}${location.search}#${params}`);
    };

    // ----- one panel ------------------------------------------------------------------------------------------------

    const panels = [];

    class Panel {
        constructor(element) {
            this.element = element;
            this.source = element.dataset.source;
            this.scope = element.dataset.live || null;
            this.ranges = (element.dataset.ranges || DEFAULT_RANGES.join(",")).split(",").map(r => r.trim()).filter(Boolean);
            const wanted = [hashRange(), element.dataset.range].find(r => r && this.ranges.includes(r));
            this.range = wanted ?? this.ranges[0];
            const refresh = Number(element.dataset.refresh);
            this.refreshSeconds = REFRESH_CHOICES.some(([s]) => s === refresh) ? refresh : DEFAULT_REFRESH_SECONDS;
            this.grid = element.querySelector("[data-chart-grid]");
            if (!this.grid) {
                this.grid = el("div", "chart-grid");
                this.grid.dataset.chartGrid = "";
                element.append(this.grid);
            }
            this.charts = new Map();
            this.entry = { element, charts: {}, refresh: () => this.load() };
            this.timer = null;
            this.debounce = null;
            this.stale = false;
            this.controller = null;
            this.buildControls();
            this.schedule();
        }

        buildControls() {
            const controls = this.element.querySelector("[data-chart-controls]");
            if (!controls) return;
            if (!controls.children.length) {
                const group = el("div", "btn-group btn-group-sm");
                group.setAttribute("role", "group");
                group.setAttribute("aria-label", "Time range");
                for (const range of this.ranges) {
                    const button = el("button", "btn btn-outline-secondary", range);
                    button.type = "button";
                    button.dataset.range = range;
                    group.append(button);
                }
                const label = el("label", "chart-refresh small text-body-secondary");
                label.append("Auto-refresh ");
                const select = el("select", "form-select form-select-sm");
                select.dataset.refresh = "";
                for (const [seconds, text] of REFRESH_CHOICES) select.append(new Option(text, String(seconds)));
                label.append(select);
                const status = el("span", "chart-status small text-body-secondary");
                status.dataset.chartStatus = "";
                status.setAttribute("aria-live", "polite");
                controls.append(group, label, status);
            }
            // Controls the server rendered itself work the same way: button[data-range] and select[data-refresh].
            this.buttons = [...controls.querySelectorAll("button[data-range]")];
            for (const button of this.buttons) button.addEventListener("click", () => chooseRange(button.dataset.range, this));
            this.select = controls.querySelector("select[data-refresh]");
            if (this.select) {
                this.select.value = String(this.refreshSeconds);
                this.select.addEventListener("change", () => {
                    this.refreshSeconds = Number(this.select.value) || 0;
                    this.schedule();
                });
            }
            this.status = controls.querySelector("[data-chart-status]");
            this.showRange();
        }

        showRange() {
            for (const button of this.buttons ?? []) {
                const active = button.dataset.range === this.range;
                button.classList.toggle("active", active);
                button.setAttribute("aria-pressed", String(active));
            }
        }

        setRange(range) {
            if (!this.ranges.includes(range) || range === this.range) return;
            this.range = range;
            this.showRange();
            this.load();
        }

        schedule() {
            clearInterval(this.timer);
            this.timer = this.refreshSeconds > 0 ? setInterval(() => this.loadWhenVisible(), this.refreshSeconds * 1000) : null;
        }

        // Hidden tabs do not fetch; they catch up when shown again.
        loadWhenVisible() {
            if (document.hidden) this.stale = true;
            else this.load();
        }

        samplesTaken() {
            clearTimeout(this.debounce);
            this.debounce = setTimeout(() => this.loadWhenVisible(), LIVE_DEBOUNCE_MS);
        }

        url() {
            if (!this.source) return null;
            return `${this.source}${this.source.includes("?") ? "&" : "?"}range=${encodeURIComponent(this.range)}`;
        }

        async load() {
            const url = this.url();
            if (!url) return;
            this.stale = false;
            this.controller?.abort();
            const controller = this.controller = new AbortController();
            this.element.setAttribute("aria-busy", "true");
            try {
                const response = await fetch(url, {
                    credentials: "same-origin",
                    headers: { Accept: "application/json" },
                    signal: controller.signal,
                });
                if (!response.ok) throw new LoadError(`HTTP ${response.status}`);
                let answer;
                try { answer = await response.json(); } catch { throw new LoadError("the answer is not JSON"); }
                if (controller !== this.controller) return;
                this.render(answer);
                this.showError(null);
                this.element.dataset.loaded = "true";
                if (this.status) this.status.textContent = `Updated ${clock.format(new Date())}`;
            } catch (error) {
                if (error.name === "AbortError" || controller !== this.controller) return;
                this.showError(error instanceof LoadError ? error.message : "network error");
                if (!(error instanceof LoadError)) console.error("charts: could not load", url, error);
            } finally {
                if (controller === this.controller) {
                    this.element.removeAttribute("aria-busy");
                    this.controller = null;
                }
            }
        }

        render(answer) {
            const charts = Array.isArray(answer?.charts) ? answer.charts : [];
            const seen = new Set();
            for (const chart of charts) {
                const id = String(chart.id ?? "");
                if (!id || seen.has(id)) continue;
                seen.add(id);
                let view = this.charts.get(id);
                if (!view) {
                    view = new Chart(id);
                    this.charts.set(id, view);
                }
                // In the server's order; a figure already in place is not moved (moving would reset its canvas).
                if (this.grid.children[seen.size - 1] !== view.figure) this.grid.insertBefore(view.figure, this.grid.children[seen.size - 1] ?? null);
                const plot = view.render(chart, answer);
                if (plot) this.entry.charts[id] = plot;
                else delete this.entry.charts[id];
            }
            for (const [id, view] of this.charts) {
                if (seen.has(id)) continue;
                view.remove();
                this.charts.delete(id);
                delete this.entry.charts[id];
            }
        }

        showError(message) {
            let alert = this.element.querySelector(":scope > [data-chart-error]");
            if (!message) {
                alert?.remove();
                delete this.element.dataset.error;
                return;
            }
            if (!alert) {
                alert = el("div", "alert alert-warning py-2 px-3 small chart-error");
                alert.setAttribute("role", "alert");
                alert.dataset.chartError = "";
                this.element.insertBefore(alert, this.grid);
            }
            alert.textContent = `Could not load the charts (${message}).`;
            this.element.dataset.error = message;
        }
    }

    class LoadError extends Error {}

    // A range chosen in one panel applies to every panel of the page that offers it, and to the next reload.
    const chooseRange = (range, origin) => {
        keepRangeInHash(range);
        for (const panel of panels) if (panel === origin || panel.ranges.includes(range)) panel.setRange(range);
    };

    // ----- live: one SignalR connection for the page ----------------------------------------------------------------

    const setLiveState = (scope, state) => {
        for (const panel of panels) if (panel.scope === scope || (scope == null && panel.scope)) panel.element.dataset.liveState = state;
    };

    const connectLive = () => {
        const scopes = [...new Set(panels.map(p => p.scope).filter(Boolean))];
        if (!scopes.length || !window.signalR) return;
        const connection = new signalR.HubConnectionBuilder()
            .withUrl("/hubs/monitoring")
            .withAutomaticReconnect()
            .configureLogging(signalR.LogLevel.Warning)
            .build();
        // The hub sends to the group of each watched scope; a message naming its scope reaches only that scope's panels.
        connection.on("SamplesTaken", message => {
            const scope = message && typeof message === "object" ? message.scope : null;
            for (const panel of panels) if (panel.scope && (!scope || panel.scope === scope)) panel.samplesTaken();
        });
        const watch = async () => {
            for (const scope of scopes) {
                try {
                    await connection.invoke("Watch", scope);
                    setLiveState(scope, "connected");
                } catch (error) {
                    setLiveState(scope, "refused");
                    console.warn(`charts: the monitoring hub refused to watch "${scope}"`, error);
                }
            }
        };
        // Missed samples while disconnected: fetch once after a reconnect.
        connection.onreconnecting(() => setLiveState(null, "reconnecting"));
        connection.onreconnected(async () => {
            await watch();
            for (const panel of panels) if (panel.scope) panel.loadWhenVisible();
        });
        // The hub may be unreachable: the panels go on with auto-refresh, and a few later tries are made.
        const retries = [5, 15, 60];
        let attempt = 0;
        const start = async () => {
            try {
                await connection.start();
                attempt = 0;
                await watch();
            } catch {
                setLiveState(null, "offline");
                if (attempt < retries.length) setTimeout(start, retries[attempt++] * 1000);
            }
        };
        connection.onclose(() => {
            setLiveState(null, "offline");
            attempt = 0;
            setTimeout(start, retries[attempt++] * 1000);
        });
        start();
    };

    // ----- start ----------------------------------------------------------------------------------------------------

    const refreshAll = () => Promise.all(panels.map(p => p.load()));

    window.portalCharts = { panels: [], refresh: refreshAll };

    const init = () => {
        if (!window.uPlot) {
            console.error("charts: uPlot is not loaded (add /lib/uplot/uPlot.iife.min.js before charts.js)");
            return;
        }
        for (const element of document.querySelectorAll("[data-charts]")) {
            if (element.dataset.chartsReady) continue;
            element.dataset.chartsReady = "true";
            const panel = new Panel(element);
            panels.push(panel);
            window.portalCharts.panels.push(panel.entry);
        }
        refreshAll();
        connectLive();
        document.addEventListener("visibilitychange", () => {
            if (!document.hidden) for (const panel of panels) if (panel.stale) panel.load();
        });
        window.addEventListener("hashchange", () => {
            const range = hashRange();
            if (range) for (const panel of panels) panel.setRange(range);
        });
    };

    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
    else init();
})();
