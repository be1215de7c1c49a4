/* The dispatch console's keyboard and clock (pages/_dispatch_layout.py).
 *
 * - Type picker (#dispatch-type-picker): an input with a listbox. Typing filters (word starts
 *   first), ↑/↓ move the highlight, Enter picks the highlighted type, Esc closes; focusing it again
 *   selects its text so that typing starts over. Leaving it with text that names no type clears
 *   the choice (the wrong type is never kept silently). The choice goes to the store
 *   "dispatch-type-value"; k112.syncType shows a stored or reset choice.
 * - Shortcuts (listed under "?"): N new call, / search, T type, P placement mode, Ctrl+Enter
 *   create, A assign the plan, S next status, J/K next/previous incident, ? help, Esc.
 * - Waiting clocks of the worklist (AG Grid cell renderer K112WaitClock), ticking every second,
 *   amber/red past the incident's priority thresholds while no unit is on it.
 * - The selected incident in the URL (?incident=ID, restored by the page on reload).
 */
(function () {
    var dc = window.dash_clientside = window.dash_clientside || {};

    function setProps(id, props) {
        if (window.dash_clientside && window.dash_clientside.set_props) { window.dash_clientside.set_props(id, props); }
    }

    function fold(text) {
        return String(text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").trim();
    }

    // --- type picker -------------------------------------------------------------------------------
    function Picker(root) {
        var self = this;
        this.root = root;
        this.options = JSON.parse(root.getAttribute("data-options") || "[]");
        this.value = null;
        this.active = 0;
        this.shown = [];
        var input = this.input = document.createElement("input");
        input.id = "dispatch-type";
        input.type = "text";
        input.autocomplete = "off";
        input.className = "dsp-input dsp-type-input";
        input.placeholder = root.getAttribute("data-placeholder") || "";
        input.setAttribute("role", "combobox");
        input.setAttribute("aria-controls", "dispatch-type-list");
        input.setAttribute("aria-expanded", "false");
        input.setAttribute("aria-autocomplete", "list");
        var list = this.list = document.createElement("ul");
        list.id = "dispatch-type-list";
        list.className = "dsp-type-list";
        list.setAttribute("role", "listbox");
        list.setAttribute("aria-label", root.getAttribute("data-label") || "");
        list.hidden = true;
        root.appendChild(input);
        root.appendChild(list);
        input.addEventListener("focus", function () { input.select(); self.open(""); });
        input.addEventListener("click", function () { if (list.hidden) { input.select(); self.open(""); } });
        input.addEventListener("input", function () { self.open(input.value); });
        input.addEventListener("keydown", function (e) { self.key(e); });
        input.addEventListener("blur", function () { setTimeout(function () { self.leave(); }, 120); });
        list.addEventListener("mousedown", function (e) {
            var li = e.target.closest("li[data-value]");
            if (!li) { return; }
            e.preventDefault();
            self.pick(self.byValue(li.getAttribute("data-value")));
        });
    }

    Picker.prototype.byValue = function (value) {
        for (var i = 0; i < this.options.length; i++) { if (this.options[i].value === value) { return this.options[i]; } }
        return null;
    };

    Picker.prototype.filter = function (query) {
        var q = fold(query);
        if (!q) { return this.options.slice(); }
        var starts = [], within = [];
        this.options.forEach(function (o) {
            var label = fold(o.label), code = fold(o.value.replace(/_/g, " "));
            var words = label.split(/[\s/,()-]+/);
            if (label.indexOf(q) === 0 || words.some(function (w) { return w.indexOf(q) === 0; }) || code.indexOf(q) === 0) {
                starts.push(o);
            } else if (label.indexOf(q) >= 0 || code.indexOf(q) >= 0) {
                within.push(o);
            }
        });
        return starts.concat(within);
    };

    Picker.prototype.open = function (query) {
        var chosen = this.byValue(this.value);
        var typed = chosen && query === chosen.label ? "" : query;
        this.shown = this.filter(typed);
        this.active = 0;
        if (!typed && chosen) {
            var at = this.shown.indexOf(chosen);
            this.active = at >= 0 ? at : 0;
        }
        this.render();
    };

    Picker.prototype.render = function () {
        var list = this.list, self = this;
        list.innerHTML = "";
        if (!this.shown.length) {
            var none = document.createElement("li");
            none.className = "dsp-type-none";
            none.textContent = this.root.getAttribute("data-empty") || "—";
            list.appendChild(none);
        }
        this.shown.forEach(function (o, i) {
            var li = document.createElement("li");
            li.setAttribute("role", "option");
            li.setAttribute("data-value", o.value);
            li.id = "dispatch-type-opt-" + o.value;
            li.setAttribute("aria-selected", i === self.active ? "true" : "false");
            if (i === self.active) { li.className = "dsp-type-active"; }
            var prio = document.createElement("span");
            prio.className = "dsp-type-prio dsp-type-p" + o.priority;
            prio.textContent = "P" + o.priority;
            li.appendChild(prio);
            li.appendChild(document.createTextNode(" " + o.label));
            list.appendChild(li);
        });
        list.hidden = false;
        this.input.setAttribute("aria-expanded", "true");
        var act = this.shown[this.active];
        if (act) {
            this.input.setAttribute("aria-activedescendant", "dispatch-type-opt-" + act.value);
            var el = document.getElementById("dispatch-type-opt-" + act.value);
            if (el && el.scrollIntoView) { el.scrollIntoView({ block: "nearest" }); }
        }
    };

    Picker.prototype.close = function () {
        this.list.hidden = true;
        this.input.setAttribute("aria-expanded", "false");
        this.input.removeAttribute("aria-activedescendant");
    };

    Picker.prototype.pick = function (option, quiet) {
        this.value = option ? option.value : null;
        this.input.value = option ? option.label : "";
        this.input.removeAttribute("aria-invalid");
        this.close();
        if (!quiet) {
            setProps("dispatch-type-value", { data: this.value });
            // the type's default priority at once (the dispatcher may still change it)
            if (option && option.priority) { setProps("dispatch-priority", { value: option.priority }); }
        }
    };

    Picker.prototype.key = function (e) {
        var k = e.key;
        if (k === "ArrowDown" || k === "ArrowUp") {
            e.preventDefault();
            if (this.list.hidden) { this.open(this.input.value); return; }
            var n = this.shown.length;
            if (!n) { return; }
            this.active = (this.active + (k === "ArrowDown" ? 1 : n - 1)) % n;
            this.render();
        } else if (k === "Enter" && !e.ctrlKey && !e.metaKey) {
            e.preventDefault();
            e.stopPropagation();
            if (this.list.hidden) { this.open(this.input.value); return; }
            if (this.shown[this.active]) { this.pick(this.shown[this.active]); }
        } else if (k === "Escape") {
            e.stopPropagation();
            var chosen = this.byValue(this.value);
            this.input.value = chosen ? chosen.label : "";
            this.close();
        } else if (k === "Tab" && !this.list.hidden) {
            var typed = this.input.value;
            var chosenNow = this.byValue(this.value);
            if (typed && (!chosenNow || chosenNow.label !== typed) && this.shown[this.active]) {
                this.pick(this.shown[this.active]);
            } else {
                this.close();
            }
        }
    };

    Picker.prototype.leave = function () {
        if (document.activeElement === this.input) { return; }
        this.close();
        var chosen = this.byValue(this.value);
        var text = this.input.value;
        if (chosen && text === chosen.label) { return; }
        if (!text.trim()) {
            if (this.value !== null) { this.pick(null); }
            return;
        }
        var matches = this.filter(text);
        if (matches.length === 1) { this.pick(matches[0]); return; }
        // text that names no single type: no type is kept (never the previous one silently)
        this.value = null;
        this.input.setAttribute("aria-invalid", "true");
        setProps("dispatch-type-value", { data: null });
    };

    function picker() {
        var root = document.getElementById("dispatch-type-picker");
        if (!root) { return null; }
        if (!root.__k112Picker) { root.__k112Picker = new Picker(root); }
        return root.__k112Picker;
    }

    // --- shortcuts -----------------------------------------------------------------------------------
    function click(id) {
        var el = document.getElementById(id);
        if (el && !el.disabled && el.offsetParent !== null) { el.click(); return true; }
        return false;
    }

    function help(show) {
        var el = document.getElementById("dispatch-help");
        if (!el) { return; }
        el.hidden = !show;
        if (show) { var b = document.getElementById("dispatch-help-close"); if (b) { b.focus(); } }
    }

    function queueIds() {
        var rows = Array.prototype.slice.call(document.querySelectorAll("#dispatch-queue .ag-center-cols-container .ag-row"));
        rows.sort(function (a, b) { return Number(a.getAttribute("row-index")) - Number(b.getAttribute("row-index")); });
        return rows.map(function (r) { return Number(r.getAttribute("row-id")); });
    }

    function step(delta) {
        var ids = queueIds();
        if (!ids.length) { return; }
        var current = window.__k112Selected;
        var at = ids.indexOf(Number(current));
        var next = at < 0 ? ids[0] : ids[Math.max(0, Math.min(ids.length - 1, at + delta))];
        setProps("dispatch-selected", { data: next });
    }

    function typing(target) {
        if (!target) { return false; }
        var tag = (target.tagName || "").toLowerCase();
        return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
    }

    document.addEventListener("keydown", function (e) {
        if (!document.getElementById("dispatch-root")) { return; }
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            var p = picker();
            if (p && document.activeElement === p.input) { p.leave(); }
            setTimeout(function () { click("dispatch-create"); }, 0);
            return;
        }
        if (e.key === "Escape") {
            help(false);
            setProps("dispatch-placing", { data: false });
            return;
        }
        if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) { return; }
        var k = e.key;
        var handled = true;
        if (k === "?") { help(true); }
        else if (k === "n" || k === "N") { click("dispatch-new-call"); }
        else if (k === "/") { var s = document.getElementById("dispatch-search"); if (s) { s.focus(); s.select(); } }
        else if (k === "t" || k === "T") { var pk = picker(); if (pk) { pk.input.focus(); } }
        else if (k === "p" || k === "P") { click("dispatch-place-mode"); }
        else if (k === "a" || k === "A") { click("dispatch-assign-plan"); }
        else if (k === "s" || k === "S") {
            var btn = document.querySelector("#dispatch-assignments .dsp-next-status");
            if (btn) { btn.click(); }
        }
        else if (k === "j" || k === "J") { step(1); }
        else if (k === "k" || k === "K") { step(-1); }
        else { handled = false; }
        if (handled) { e.preventDefault(); }
    });

    document.addEventListener("click", function (e) {
        if (e.target.closest && e.target.closest("#dispatch-help-open")) { help(true); }
        if (e.target.closest && e.target.closest("#dispatch-help-close")) { help(false); }
    });

    // --- one request per press ---------------------------------------------------------------------
    // Create and "assign the plan" take one press until the server has answered (their message
    // changes): later presses of a double or triple click are dropped before Dash sees them (the
    // capture listener on the document runs before React's). Dash's "running" state also disables
    // the button while the request is pending.
    var ONCE = { "dispatch-create": "dispatch-create-msg", "dispatch-assign-plan": "dispatch-action-msg" };
    document.addEventListener("click", function (e) {
        var btn = e.target.closest && e.target.closest("#dispatch-create, #dispatch-assign-plan");
        if (!btn) { return; }
        if (btn.__k112Busy) { e.stopImmediatePropagation(); e.preventDefault(); return; }
        btn.__k112Busy = true;
        var msg = document.getElementById(ONCE[btn.id]);
        var done = function () { setTimeout(function () { btn.__k112Busy = false; }, 250); };
        var limit = setTimeout(function () { if (observer) { observer.disconnect(); } done(); }, 15000);
        var observer = msg ? new MutationObserver(function () {
            observer.disconnect(); clearTimeout(limit); done();
        }) : null;
        if (observer) { observer.observe(msg, { childList: true, subtree: true, characterData: true }); }
    }, true);

    // --- waiting clocks ------------------------------------------------------------------------------
    function clockText(seconds) {
        var s = Math.max(0, Math.floor(seconds));
        var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
        var mm = (h ? String(m).padStart(2, "0") : String(m)) + ":" + String(r).padStart(2, "0");
        return h ? h + ":" + mm : mm;
    }

    function level(el, seconds) {
        if (el.getAttribute("data-done") === "1") { return "done"; }
        var amber = Number(el.getAttribute("data-amber")), red = Number(el.getAttribute("data-red"));
        return seconds >= red ? "red" : seconds >= amber ? "amber" : "ok";
    }

    function tick() {
        var now = Date.now();
        var clocks = document.querySelectorAll(".dsp-clock[data-t0]");
        for (var i = 0; i < clocks.length; i++) {
            var el = clocks[i];
            var seconds = (now - Number(el.getAttribute("data-t0"))) / 1000;
            el.textContent = clockText(seconds);
            var lv = level(el, seconds);
            if (el.getAttribute("data-level") !== lv) {
                el.setAttribute("data-level", lv);
                el.className = "dsp-clock dsp-wait dsp-wait-" + lv;
            }
        }
    }
    setInterval(tick, 1000);

    var grid = window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {};
    grid.K112WaitClock = function (props) {
        var d = props.data || {};
        var seconds = (Date.now() - Number(d.t0)) / 1000;
        var attrs = { "data-t0": d.t0, "data-amber": d.amber_s, "data-red": d.red_s, "data-done": d.assigned ? "1" : "0",
                      title: d.wait_title || "" };
        var fake = { getAttribute: function (k) { return attrs[k]; } };
        var lv = level(fake, seconds);
        attrs.className = "dsp-clock dsp-wait dsp-wait-" + lv;
        attrs["data-level"] = lv;
        return window.React.createElement("span", attrs, clockText(seconds));
    };

    // --- clientside callbacks ------------------------------------------------------------------------
    dc.k112console = {
        // the selected incident into the URL (replaceState: no page reload, no Dash navigation)
        selectedToUrl: function (selected) {
            window.__k112Selected = selected;
            try {
                var url = new URL(window.location.href);
                if (selected) { url.searchParams.set("incident", String(selected)); } else { url.searchParams.delete("incident"); }
                window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
            } catch (err) { /* an old browser keeps the plain URL */ }
            var side = document.getElementById("dispatch-side");
            if (side && selected) { side.scrollTop = 0; }
            return window.dash_clientside.no_update;
        },
        // show the stored (or reset) incident type in the picker
        syncType: function (value) {
            var tries = 0;
            (function sync() {
                var p = picker();
                if (!p) { if (tries++ < 30) { setTimeout(sync, 100); } return; }
                var want = value || null;
                var option = p.byValue(want);
                if (want === p.value) {
                    if (option && p.input.value !== option.label && document.activeElement !== p.input) {
                        p.input.value = option.label;
                    }
                    return;
                }
                p.pick(option, true);
            })();
            return window.dash_clientside.no_update;
        },
        // placement mode: the map's click hook reads data-placing; the button shows its state
        placing: function (on) {
            var graph = document.getElementById("dispatch-map");
            var button = document.getElementById("dispatch-place-mode");
            if (graph) { graph.setAttribute("data-placing", on ? "1" : "0"); }
            if (button) {
                button.setAttribute("aria-pressed", on ? "true" : "false");
                button.classList.toggle("dsp-on", !!on);
            }
            return window.dash_clientside.no_update;
        },
        togglePlacing: function (clicks, on) {
            if (!clicks) { return window.dash_clientside.no_update; }
            return !on;
        },
        // "New call": no incident selected, placement mode on, the search focused
        newCall: function (clicks) {
            if (!clicks) { return [window.dash_clientside.no_update, window.dash_clientside.no_update]; }
            setTimeout(function () { var s = document.getElementById("dispatch-search"); if (s) { s.focus(); } }, 50);
            return [null, true];
        }
    };

    setInterval(function () { picker(); }, 300);
})();
