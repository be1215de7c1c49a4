/* Points clicked on the network admin map (pages/network.py), kept in the browser.
 *
 * k112net.draft(click, undo, clear, draft, mode) -> the new list of [lon, lat] points:
 *   a map click (the "network-click" store, written by k112.mapClick) adds a point; a connector
 *   keeps two (a third click starts again); "network-undo" drops the last; "network-clear" drops all.
 * Running in the browser, quick clicks never race each other (a server callback would see a
 * stale list when a second click arrives before the first answer).
 */
(function () {
    var MAX_POINTS = 200;
    var dc = window.dash_clientside = window.dash_clientside || {};

    function draft(click, undo, clear, points, mode) {
        var context = window.dash_clientside.callback_context;
        var fired = (context.triggered && context.triggered.length) ? context.triggered[0].prop_id : "";
        var list = Array.isArray(points) ? points.slice() : [];
        if (fired.indexOf("network-clear") === 0) { return []; }
        if (fired.indexOf("network-undo") === 0) { return list.slice(0, -1); }
        if (fired.indexOf("network-click") === 0 && click && typeof click.lon === "number"
                && typeof click.lat === "number") {
            var point = [Math.round(click.lon * 1e6) / 1e6, Math.round(click.lat * 1e6) / 1e6];
            if (mode === "connector" && list.length >= 2) { return [point]; }
            list.push(point);
            return list.slice(-MAX_POINTS);
        }
        return window.dash_clientside.no_update;
    }

    dc.k112net = Object.assign(dc.k112net || {}, { draft: draft });
})();
