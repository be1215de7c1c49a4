/* One request per real press of an incident-panel button (pages/_dispatch_callbacks.py).
 *
 * The incident panel is re-rendered on every change (status, assignment, timeline). Dash fires a
 * pattern-matching (ALL) callback whenever buttons matching it appear, with n_clicks 0, so six
 * server callbacks used to answer "nothing to do" on every render of the panel — requests that
 * queued in front of the ones the dispatcher waits for. This clientside function takes those
 * button inputs instead and writes only a real press, {id, n, t}, into the store
 * "dispatch-panel-action"; one server callback (panel_action) acts on it.
 *
 * Wiring: clientside_callback(ClientsideFunction("k112panel", "action"),
 *         Output("dispatch-panel-action", "data"), Input({"type": ..., ...: ALL}, "n_clicks"), ...)
 */
(function () {
    var dc = window.dash_clientside = window.dash_clientside || {};

    function pressed() {
        var triggered = (dc.callback_context && dc.callback_context.triggered) || [];
        for (var i = 0; i < triggered.length; i++) {
            var t = triggered[i];
            if (!t || !t.value || typeof t.prop_id !== "string") { continue; }
            var at = t.prop_id.lastIndexOf(".n_clicks");
            if (at <= 0) { continue; }
            try {
                var id = JSON.parse(t.prop_id.slice(0, at));
                if (id && typeof id === "object" && typeof id.type === "string") {
                    return { id: id, n: t.value, t: Date.now() };
                }
            } catch (err) { /* not a pattern id */ }
        }
        return null;
    }

    dc.k112panel = Object.assign(dc.k112panel || {}, {
        action: function () {
            var press = pressed();
            return press ? press : dc.no_update;
        }
    });
})();
