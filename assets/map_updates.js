/* Cheap updates of plotly MapLibre maps (the dispatch console's live map above all).
 *
 * On every figure change plotly hands each map trace its data again: every trace's GeoJSON source
 * is re-sent to MapLibre's worker and re-tiled, even when only one slot changed, and dcc.Graph queues
 * the next figure until the map has settled. Without a GPU (software WebGL) each repaint of the map
 * blocks the page for 50–150 ms, so a console with ~40 traces spent most of its time repainting
 * what had not changed. This script:
 *
 *  - skips a trace's update when plotly gives it the very same input object as last time (dash keeps
 *    the objects of slots a server Patch did not touch) and its source, placement and selection (a box
 *    or lasso selection restyles the trace through the same update) are unchanged;
 *  - turns off MapLibre's label fade (each fade is a run of repaints, 300 ms by default) and places
 *    the labels in one frame (MapLibre spreads label placement over frames, 2 ms of work per frame,
 *    which made every update a run of repaints), and without the repaint that MapLibre then asks
 *    for only because new label tiles arrived while a (spread) placement ran;
 *  - holds the paint while an update's sources are still being tiled (at most HOLD_MS, never while
 *    the map is being moved): MapLibre repaints as each changed source's tiles come back from its
 *    worker, so one update of six traces was five or six frames; without a GPU each frame is a
 *    software WebGL draw read back for the compositor (60–150 ms of the page's main thread, and of
 *    the GPU process that every console in the browser shares). Held, an update is one or two frames,
 *    and what is shown meanwhile is the last complete picture;
 *  - does not paint a frame that only MapLibre's input handlers asked for (a button pressed and
 *    released on the map without a move: the same picture again, ~100 ms without a GPU, in the middle
 *    of a map click before its pin could show); a changed source, layer, tile, transition, size or
 *    view is always painted, and a fade (OSM tiles) one frame past its end;
 *  - skips the map.resize() that plotly calls after every update when nothing changed size (MapLibre
 *    would re-allocate the canvas, which clears it, and the painter's buffers, and fire move events).
 *
 * It looks for plotly maps every 400 ms and installs itself once per map and trace kind
 * (data-map-updates="1" on the graph's element once done).
 */
(function () {
    var SCAN_MS = 400;
    // the longest a paint waits for an update's sources to finish tiling
    var HOLD_MS = 300;
    // how many trace updates were skipped / done, and map paints held / done (read by the browser tests)
    var counts = window.__k112MapUpdates = window.__k112MapUpdates ||
        { skipped: 0, updated: 0, held: 0, painted: 0, resizesSkipped: 0, placementRepaintsSkipped: 0,
          samePictureSkipped: 0 };

    function sourceIds(obj) {
        if (obj.sourceIds) { return Object.keys(obj.sourceIds).map(function (k) { return obj.sourceIds[k]; }); }
        return obj.sourceId ? [obj.sourceId] : [];
    }

    // what a box/lasso selection changes (plotly marks calcdata points and restyles through update)
    function selection(calcTrace, trace) {
        var n = 0, sum = 0;
        for (var i = 0; calcTrace && i < calcTrace.length; i++) {
            if (calcTrace[i] && calcTrace[i].selected) { n += 1; sum += i; }
        }
        var picked = trace && trace.selectedpoints;
        return n + ":" + sum + ":" + (picked ? JSON.stringify(picked) : "-");
    }

    function unchanged(obj, trace, calcTrace) {
        var sub = obj.subplot;
        var map = sub && sub.map;
        if (!map || !trace || !trace._input || trace._input !== obj.__k112Input) { return false; }
        if (trace.visible !== obj.__k112Visible) { return false; }
        if (selection(calcTrace, trace) !== obj.__k112Selection) { return false; }
        if (sub.belowLookup && sub.belowLookup["trace-" + obj.uid] !== obj.__k112Below) { return false; }
        var ids = sourceIds(obj);
        if (!ids.length) { return false; }
        for (var i = 0; i < ids.length; i++) { if (!map.getSource(ids[i])) { return false; } }  // style reloaded
        return true;
    }

    function wrap(proto) {
        if (!proto || proto.__k112Wrapped || typeof proto.update !== "function") { return; }
        proto.__k112Wrapped = true;
        var update = proto.update;
        proto.update = function (calcTrace) {
            var trace = calcTrace && calcTrace[0] && calcTrace[0].trace;
            if (unchanged(this, trace, calcTrace)) {
                trace._glTrace = this;  // what plotly's own update ends with
                counts.skipped += 1;
                return;
            }
            counts.updated += 1;
            var out = update.apply(this, arguments);
            var sub = this.subplot;
            this.__k112Input = trace && trace._input;
            this.__k112Visible = trace && trace.visible;
            this.__k112Selection = selection(calcTrace, trace);
            this.__k112Below = sub && sub.belowLookup ? sub.belowLookup["trace-" + this.uid] : undefined;
            return out;
        };
    }

    function fullPlacement(style) {
        var proto = style && Object.getPrototypeOf(style);
        if (!proto || proto.__k112FullPlacement || typeof proto._updatePlacement !== "function") { return; }
        proto.__k112FullPlacement = true;
        var place = proto._updatePlacement;
        proto._updatePlacement = function (transform, showCollisionBoxes, fadeDuration, crossSourceCollisions) {
            var again = place.call(this, transform, showCollisionBoxes, fadeDuration, crossSourceCollisions, true);
            // A full placement made in this very call has seen every symbol bucket there is now. The
            // "stale" mark that a changed bucket sets is meant for placements spread over frames; here
            // it would only paint the same picture once more (~100 ms without a GPU).
            var done = this.pauseablePlacement, placement = this.placement;
            if (again && fadeDuration === 0 && placement && placement.stale === true && done &&
                done.placement === placement && done.isDone()) {
                placement.stale = false;
                counts.placementRepaintsSkipped += 1;
                return false;
            }
            return again;
        };
    }

    // Paint only complete pictures: while the style has sources being (re)tiled after an update, the
    // painter is skipped (the canvas keeps the last frame) and a repaint is asked for when the hold
    // runs out; the tile that completes the update asks for its own repaint as usual. The first
    // paint, moving maps and a source that takes longer than HOLD_MS are never held.
    //
    // Paint only what changed: a frame that MapLibre's input handlers ask for (a mouse button pressed
    // or released on the map, with no move) runs the frame's tasks but draws the same picture again;
    // such a frame is not painted unless something else asked for a repaint (every change of a source,
    // layer, tile, transition or size does, through map.triggerRepaint) or the view moved. Without a
    // GPU that paint was ~100 ms of the page in the middle of a map click, before the pin could show.
    function viewKey(map) {
        var c = map.getCenter(), canvas = map.getCanvas();
        // the painter draws a moving, zooming or rotating map a little differently (pixel alignment)
        return [c.lng, c.lat, map.getZoom(), map.getBearing(), map.getPitch(), canvas.width, canvas.height,
                map.isMoving(), map.isZooming(), map.isRotating()].join(",");
    }

    function holdPaint(map) {
        var painter = map.painter;
        if (!painter || painter.__k112Hold || typeof painter.render !== "function") { return; }
        painter.__k112Hold = true;
        var render = painter.render;
        var since = 0, timer = null, painted = false;
        // one record per map (a restored WebGL context brings a new painter, wrapped again here; the
        // map's own hooks are installed once and mark the record the current painter reads)
        var state = map.__k112Paint;
        if (!state) {
            state = map.__k112Paint = { asked: true, handlerFrame: 0 };
            var trigger = map.triggerRepaint, redraw = map.redraw;
            map.triggerRepaint = function () {
                if (!state.handlerFrame) { state.asked = true; }
                return trigger.apply(this, arguments);
            };
            if (typeof redraw === "function") {
                map.redraw = function () { state.asked = true; return redraw.apply(this, arguments); };
            }
            var handlers = map._handlers || map.handlers;
            if (handlers && typeof handlers._requestFrame === "function") {
                var request = handlers._requestFrame;
                handlers._requestFrame = function () {
                    state.handlerFrame += 1;
                    try { return request.apply(this, arguments); } finally { state.handlerFrame -= 1; }
                };
            }
        }
        state.asked = true;
        var shown = "";
        painter.render = function () {
            var style = map.style;
            var moving = map.isMoving(), view = viewKey(map);
            if (painted && !state.asked && !moving && view === shown) {
                counts.samePictureSkipped += 1;
                return undefined;
            }
            state.asked = false;
            if (painted && style && !moving && !style.loaded()) {
                var now = Date.now();
                since = since || now;
                if (now - since < HOLD_MS) {
                    counts.held += 1;
                    state.asked = true;   // the held picture is still to be painted
                    if (!timer) {
                        timer = setTimeout(function () { timer = null; map.triggerRepaint(); },
                                           HOLD_MS - (now - since) + 5);
                    }
                    return undefined;
                }
            } else {
                since = 0;
            }
            if (timer) { clearTimeout(timer); timer = null; }   // painted now: no repaint of the same later
            // A fade (OSM raster tiles) is drawn at the opacity of this moment; MapLibre asks for the
            // next frame only if the fade is still running after the paint, so a slow paint could end
            // a fade part-done. One more frame draws it to its end.
            var fading = !!(style && typeof style.hasTransitions === "function" && style.hasTransitions());
            var out;
            try {
                out = render.apply(this, arguments);
            } catch (err) {
                state.asked = true;   // not painted: the next frame tries again
                throw err;
            }
            painted = true;
            shown = view;
            counts.painted += 1;
            if (fading) { map.triggerRepaint(); }
            return out;
        };
    }

    function sameSizeResize(map) {
        if (map.__k112Resize || typeof map._containerDimensions !== "function") { return; }
        map.__k112Resize = true;
        var resize = map.resize;
        map.resize = function () {
            var dims = this._containerDimensions(), canvas = this.getCanvas();
            var ratio = typeof this.getPixelRatio === "function" ? this.getPixelRatio() : 1;
            if (canvas && canvas.style.width === dims[0] + "px" && canvas.style.height === dims[1] + "px" &&
                canvas.width === Math.floor(ratio * dims[0]) && canvas.height === Math.floor(ratio * dims[1])) {
                counts.resizesSkipped += 1;
                return this;
            }
            return resize.apply(this, arguments);
        };
    }

    function install(gd) {
        var sub = gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
        var map = sub && sub.map;
        if (!map || !sub.traceHash) { return; }
        if (!map.__k112Updates) {
            map.__k112Updates = true;
            map._fadeDuration = 0;
        }
        holdPaint(map);
        sameSizeResize(map);
        fullPlacement(map.style);
        Object.keys(sub.traceHash).forEach(function (uid) { wrap(Object.getPrototypeOf(sub.traceHash[uid])); });
        var root = gd.closest("[id]") || gd;
        if (root.getAttribute("data-map-updates") !== "1") { root.setAttribute("data-map-updates", "1"); }
    }

    function scan() {
        var graphs = document.querySelectorAll(".js-plotly-plot");
        for (var i = 0; i < graphs.length; i++) {
            try { install(graphs[i]); } catch (err) { /* a map being rebuilt: next scan */ }
        }
    }

    setInterval(scan, SCAN_MS);
})();
