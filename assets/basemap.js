/* The city's own base map on every plotly map (layers/basemap.py).
 *
 * Maps are drawn with the app's own style (land, water, boundaries, roads, labels, local glyphs):
 * nothing is fetched from the internet. With KENDARI112_BASEMAP=osm the style's metadata names
 * OpenStreetMap's tile URL; this script then adds the tiles as a raster layer UNDER the city's
 * layers. Tile errors are swallowed here, before plotly sees them: plotly rejects a redraw on any
 * map error, and dash's Graph then stops drawing every later figure (no new incident, pin, route
 * or unit move until reload). While tiles fail, a small note says so ("base map offline").
 *
 * The script looks for plotly maps every 400 ms and installs itself once per MapLibre map
 * (data-basemap="own" on the graph's element once its style has loaded; "osm" when tiles were added).
 */
(function () {
    var SCAN_MS = 400;
    var SOURCE = "k112-osm";

    function metadata(map) {
        // the style as given (cheap), not map.getStyle(), which serialises every source
        var sheet = map.style && map.style.stylesheet;
        return (sheet && sheet.metadata) || {};
    }

    function note(gd, text, show) {
        var el = gd.querySelector(".k112-basemap-note");
        if (!el) {
            if (!show) { return; }
            el = document.createElement("div");
            el.className = "k112-basemap-note";
            el.setAttribute("role", "status");
            gd.appendChild(el);
        }
        el.textContent = text || "";
        el.style.display = show ? "block" : "none";
    }

    function addTiles(map, meta) {
        if (!meta["k112:tiles"] || map.getSource(SOURCE)) { return; }
        map.addSource(SOURCE, { type: "raster", tiles: [meta["k112:tiles"]], tileSize: 256,
                                attribution: meta["k112:attribution"] || "" });
        var below = meta["k112:below"];
        map.addLayer({ id: SOURCE, type: "raster", source: SOURCE },
                     below && map.getLayer(below) ? below : undefined);
    }

    function install(gd, map) {
        if (map.__k112Basemap) { return; }
        map.__k112Basemap = true;
        var fire = map.fire;
        var failing = false;
        map.fire = function (event) {
            var isTileError = event && event.type === "error" &&
                (event.sourceId === SOURCE || (event.source && event.source.id === SOURCE) ||
                 (event.tile && event.tile.tileID && map.getSource(SOURCE) && !event.sourceId));
            if (isTileError) {
                if (!failing) {
                    failing = true;
                    note(gd, metadata(map)["k112:offline_note"], true);
                }
                return map;  // never reaches plotly's error handlers
            }
            if (event && event.type === "data" && event.sourceId === SOURCE && event.tile && failing) {
                failing = false;
                note(gd, "", false);
            }
            return fire.apply(this, arguments);
        };
        // the style may come by URL (/basemap/style.json): its metadata is known once it has loaded
        var sync = function () {
            var m = metadata(map);
            if (m["k112:tiles"]) { addTiles(map, m); }
            var kind = m["k112:tiles"] ? "osm" : (m["k112:basemap"] ? "own" : "other");
            if (gd.getAttribute("data-basemap") !== kind) { gd.setAttribute("data-basemap", kind); }
        };
        map.on("styledata", sync);
        if (map.isStyleLoaded()) { sync(); } else if (gd.getAttribute("data-basemap") === null) {
            gd.setAttribute("data-basemap", "loading");
        }
        map.once("idle", sync);
    }

    function scan() {
        var plots = document.querySelectorAll(".js-plotly-plot");
        for (var i = 0; i < plots.length; i++) {
            var gd = plots[i];
            var sub = gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
            if (sub && sub.map) { install(gd, sub.map); }
        }
    }

    window.k112Basemap = { scan: scan };
    setInterval(scan, SCAN_MS);
})();
