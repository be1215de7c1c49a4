/* Which parts of the dispatch console need the server after a change (pages/_dispatch_callbacks.py).
 *
 * An action of this console answers with the board and the incident panel already drawn for the
 * new events version ("dispatch-board-ver", "dispatch-detail-ver"). These clientside gates compare
 * the console's events version and selection with what is drawn and ask the server only for what
 * is missing — a change seen by the version poll, another incident selected — so an action costs
 * one request, not four. The gates also look every second (the poll's tick): a refresh that was
 * under way when an action answered may arrive after it and draw an older panel or board; the next
 * tick sees that what is drawn is not what is selected/current and asks again (≤ 1 s). Meanwhile the
 * panel's buttons act on the incident the panel shows (pages/_dispatch_callbacks.shown_incident).
 *
 *   boardPanelUnit(selected, version, tick, unit, board shown, panel shown)
 *       → "dispatch-need-board": the version to draw, "dispatch-need-detail": {selected, version,
 *         reselect}, "dispatch-need-unit": {unit, version} when a unit is selected on the board and it
 *         or the version changed (one callback: each callback run costs the page a pass over every
 *         component)
 *   coverage(events, positions)           → "dispatch-need-coverage": {events, positions}, COVERAGE_DELAY_MS
 *                                           after the last change (several changes → one recompute)
 *
 * The live coverage (holes, move-up) is recomputed a moment after the change, not in the same
 * instant: the dispatcher's own answer (board, panel, routes) is drawn first.
 *
 * While an action of this console is on its way (a new call being created, the plan being assigned,
 * a panel button pressed — window.__k112ActionAt, set by assets/panel_actions.js), a newer version
 * seen by the poll is not asked for: the action's answer brings the board and the panel for a
 * version at least as new. Asking anyway sent two large requests in front of the answer and could
 * draw the previous incident's panel over it. A changed selection is always asked for; the hold
 * ends with the answer, or after PENDING_MAX_MS (a refused action changes no version).
 */
(function () {
    var dc = window.dash_clientside = window.dash_clientside || {};
    var COVERAGE_DELAY_MS = 300;
    var coverageSeq = 0;
    // On a tick alone, the same request is not asked again within ASK_AGAIN_MS (the tick would
    // otherwise cancel a slow answer every second and ask anew, forever). A change of selection or
    // version always asks.
    var ASK_AGAIN_MS = 3000;
    var PENDING_MAX_MS = 2000;
    var asked = {};

    function pending() {
        if (document.querySelector("#dispatch-create[disabled], #dispatch-assign-plan[disabled]")) { return true; }
        return Date.now() - (window.__k112ActionAt || 0) < PENDING_MAX_MS;
    }

    function onlyTick() {
        var t = (dc.callback_context && dc.callback_context.triggered) || [];
        return t.length > 0 && t.every(function (x) { return String(x.prop_id).indexOf("dispatch-tick.") === 0; });
    }

    function again(kind, key) {
        var now = Date.now(), last = asked[kind];
        if (onlyTick() && last && last.key === key && now - last.at < ASK_AGAIN_MS) { return false; }
        asked[kind] = { key: key, at: now };
        return true;
    }

    function triggeredBy(prefix) {
        var t = (dc.callback_context && dc.callback_context.triggered) || [];
        return t.some(function (x) { return String(x.prop_id).indexOf(prefix) === 0; });
    }

    function board(version, shown, waiting) {
        if (version !== undefined && version !== null && version === shown) {
            // a new version that is drawn already: an action's answer (it sets both) has landed
            if (triggeredBy("dispatch-ver-events.")) { window.__k112ActionAt = 0; }
            return dc.no_update;
        }
        if (waiting) { return dc.no_update; }
        version = version === undefined ? null : version;
        return again("board", JSON.stringify(version)) ? version : dc.no_update;
    }

    function detail(selected, version, shown, waiting) {
        selected = selected === undefined ? null : selected;
        version = version === undefined ? null : version;
        if (Array.isArray(shown) && shown[0] === selected && shown[1] === version) { return dc.no_update; }
        var reselect = !Array.isArray(shown) || shown[0] !== selected;
        if (waiting && !reselect) { return dc.no_update; }
        if (!again("detail", JSON.stringify([selected, version]))) { return dc.no_update; }
        return { selected: selected, version: version, reselect: reselect };
    }

    function unitNeed(unit, version) {
        if (unit === undefined || unit === null) { return dc.no_update; }
        return { unit: unit, version: version === undefined ? null : version };
    }

    dc.k112gate = Object.assign(dc.k112gate || {}, {
        boardPanelUnit: function (selected, version, _tick, unit, boardShown, panelShown) {
            var waiting = pending();
            return [board(version, boardShown, waiting), detail(selected, version, panelShown, waiting),
                    onlyTick() ? dc.no_update : unitNeed(unit, version)];
        },
        coverage: function (events, positions) {
            var seq = ++coverageSeq;
            return new Promise(function (resolve) {
                setTimeout(function () {
                    resolve(seq === coverageSeq ? { events: events === undefined ? null : events,
                                                     positions: positions === undefined ? null : positions }
                                                : dc.no_update);
                }, COVERAGE_DELAY_MS);
            });
        }
    });
})();
