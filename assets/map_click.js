/* Map clicks on plotly MapLibre figures (pages/dispatch.py, pages/planning.py).
 *
 * plotly reports no clickData on empty map areas, so these clientside callbacks listen to
 * MapLibre's own "click" event and write the clicked point, {lon, lat, t} (degrees rounded to
 * 1e-6, time in ms), into a dcc.Store with dash_clientside.set_props.
 *
 * Wiring: clientside_callback(ClientsideFunction("k112", "mapClick"), Output("X-hook", "data"),
 * Input("G", "figure")) listens on the dcc.Graph "G" and writes into the store "X" (the output's
 * id without "-hook"; the hook store itself is never written). The input may also be "G-base"
 * (a store the page writes only when it builds G's whole figure), so that live patches of the
 * figure do not run this callback each time. The listener is installed again
 * when the figure changes (plotly may rebuild its map); once it listens the graph gets
 * data-click-ready="1".
 *   mapClick            every click on the map counts;
 *   mapClickOffMarkers  a click on a marker (a point whose customdata is a list, e.g. an incident
 *                       or a unit) selects it through plotly's clickData and places nothing —
 *                       except in placement mode (the graph has data-placing="1"), where every
 *                       click places the pin and markers take none.
 */
(function () {
    var TRIES = 50;
    var RETRY_MS = 200;
    var MARKER_GRACE_MS = 400;  // a map click this soon after a marker click belongs to the marker
    var MARKER_SETTLE_MS = 40;  // plotly_click fires after MapLibre's click: wait for it
    var dc = window.dash_clientside = window.dash_clientside || {};

    function wiring() {
        var context = window.dash_clientside.callback_context;
        var output = context.outputs_list;
        output = Array.isArray(output) ? output[0] : output;
        var target = String(output.id);
        if (target.slice(-5) !== "-hook") {
            throw new Error("k112 map click: the output store's id must end in '-hook', got " + target);
        }
        var graph = String(context.inputs_list[0].id);
        // Input("G", "figure"), or Input("G-base", "data"): a store written only when G's figure is built
        if (graph.slice(-5) === "-base") { graph = graph.slice(0, -5); }
        return { graph: graph, target: target.slice(0, -5) };
    }

    var PIN_CLASS = "k112-pending-pin";
    var PIN_HOLD_MS = 2500;  // the validated pin (server) replaces it well before this

    // Draw the clicked point at once, before the server has checked the place (land rule,
    // kecamatan/kelurahan); the checked pin or the refusal follows within a moment. The pin is a
    // plain element over the map (no WebGL repaint, no worker round trip): it shows with the very
    // next frame even while the map is busy redrawing.
    function showPin(map, lngLat) {
        try {
            var box = map.getContainer();
            var pin = box.querySelector("." + PIN_CLASS);
            if (!pin) {
                pin = document.createElement("div");
                pin.className = PIN_CLASS;
                pin.setAttribute("aria-hidden", "true");
                box.appendChild(pin);
                map.on("move", function () { place(map, pin); });
            }
            pin.__k112LngLat = lngLat;
            pin.style.display = "block";
            place(map, pin);
            clearTimeout(map.__k112PinTimer);
            map.__k112PinTimer = setTimeout(function () { pin.style.display = "none"; }, PIN_HOLD_MS);
            map.__k112PinAt = Date.now();
        } catch (err) { /* the map may be rebuilding: the server's pin still comes */ }
    }

    function place(map, pin) {
        if (!pin.__k112LngLat) { return; }
        var p = map.project(pin.__k112LngLat);
        var half = (pin.offsetWidth || 18) / 2;   // centred on the point
        pin.style.transform = "translate(" + Math.round(p.x - half) + "px," + Math.round(p.y - half) + "px)";
    }

    function send(target, lngLat) {
        window.dash_clientside.set_props(target, { data: {
            lon: Math.round(lngLat.lng * 1e6) / 1e6,
            lat: Math.round(lngLat.lat * 1e6) / 1e6,
            t: Date.now() } });
    }

    function watchMarkers(gd) {
        if (gd.__k112Marker) { return; }
        gd.__k112Marker = true;
        gd.on("plotly_click", function (ev) {
            var p = ev && ev.points && ev.points[0];
            if (p && Array.isArray(p.customdata)) { gd.__k112MarkerAt = Date.now(); }
        });
    }

    function install(ids, offMarkers, tries) {
        var root = document.getElementById(ids.graph);
        var gd = root && root.querySelector(".js-plotly-plot");
        var sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
        var map = sub && sub.map;
        if (!map) {
            if (tries > 0) { setTimeout(function () { install(ids, offMarkers, tries - 1); }, RETRY_MS); }
            return;
        }
        if (!map.__k112Click) {
            map.__k112Click = true;
            if (offMarkers) { watchMarkers(gd); }
            map.on("click", function (e) {
                if (!offMarkers) { send(ids.target, e.lngLat); return; }
                if (root.getAttribute("data-placing") === "1") {
                    showPin(map, e.lngLat);
                    send(ids.target, e.lngLat);
                    return;
                }
                setTimeout(function () {
                    if (Date.now() - (gd.__k112MarkerAt || 0) < MARKER_GRACE_MS) { return; }
                    showPin(map, e.lngLat);
                    send(ids.target, e.lngLat);
                }, MARKER_SETTLE_MS);
            });
        }
        root.setAttribute("data-click-ready", "1");
    }

    function hook(offMarkers) {
        install(wiring(), offMarkers, TRIES);
        return window.dash_clientside.no_update;
    }

    dc.k112 = Object.assign(dc.k112 || {}, {
        mapClick: function (figure) { return hook(false); },
        mapClickOffMarkers: function (figure) { return hook(true); }
    });
})();
