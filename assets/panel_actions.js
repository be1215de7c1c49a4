/* One request per real press of an incident-panel button (pages/_dispatch_callbacks.py).
 *
 * The incident panel is re-rendered on every change (status, assignment, timeline). Dash fires a
 * pattern-matching (ALL) callback whenever buttons matching it appear, with n_clicks 0, so six
 * server callbacks used to answer "nothing to do" on every render of the panel — requests that
 * queued in front of the ones the dispatcher waits for. No callback listens to those buttons now:
 * this script sees the click itself (mouse, Enter or Space, or the "S" shortcut pressing the button)
 * and writes the press, {id, n, t}, into the store "dispatch-panel-action"; one server callback
 * (panel_action) checks it and acts.
 *
 * The buttons are those whose pattern id "type" is one of PANEL_TYPES (the same list as
 * pages/_dispatch_callbacks.PANEL_BUTTONS; a test compares them).
 */
(function () {
    var PANEL_TYPES = ["dispatch-move", "dispatch-move-yes", "dispatch-move-no", "dispatch-propose-closure",
                       "dispatch-assign", "dispatch-ustatus", "dispatch-unassign", "dispatch-close-yes",
                       "dispatch-close-no"];
    var STORE = "dispatch-panel-action";
    var presses = 0;

    function pressOf(el) {
        var button = el && el.closest ? el.closest("button[id^='{']") : null;
        if (!button || button.disabled) { return null; }
        try {
            var id = JSON.parse(button.id);
            if (id && typeof id === "object" && PANEL_TYPES.indexOf(id.type) >= 0) { return id; }
        } catch (err) { /* not a pattern id */ }
        return null;
    }

    document.addEventListener("click", function (e) {
        var id = pressOf(e.target);
        var dc = window.dash_clientside;
        if (!id || !dc || !dc.set_props) { return; }
        presses += 1;
        window.__k112ActionAt = Date.now();  // the refresh gate waits for this press's answer
        dc.set_props(STORE, { data: { id: id, n: presses, t: Date.now() } });
    });

    window.k112PanelTypes = PANEL_TYPES;
})();
