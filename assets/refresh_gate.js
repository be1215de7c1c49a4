/* Which parts of the dispatch console need the server after a change (pages/_dispatch_callbacks.py).
 *
 * An action of this console answers with the board and the incident panel already drawn for the
 * new events version ("dispatch-board-ver", "dispatch-detail-ver"). These clientside gates compare
 * the console's events version and selection with what is drawn and ask the server only for what
 * is missing — a change seen by the version poll, another incident selected — so an action costs
 * one request, not four.
 *
 *   board(version, shown)                 → "dispatch-need-board": the version to draw
 *   detail(selected, version, shown)      → "dispatch-need-detail": {selected, version, reselect}
 *   unit(unit, version)                   → "dispatch-need-unit": {unit, version}, only with a unit
 */
(function () {
    var dc = window.dash_clientside = window.dash_clientside || {};

    dc.k112gate = Object.assign(dc.k112gate || {}, {
        board: function (version, shown) {
            if (version !== undefined && version !== null && version === shown) { return dc.no_update; }
            return version === undefined ? null : version;
        },
        detail: function (selected, version, shown) {
            selected = selected === undefined ? null : selected;
            version = version === undefined ? null : version;
            if (Array.isArray(shown) && shown[0] === selected && shown[1] === version) { return dc.no_update; }
            var reselect = !Array.isArray(shown) || shown[0] !== selected;
            return { selected: selected, version: version, reselect: reselect };
        },
        unit: function (unit, version) {
            if (unit === undefined || unit === null) { return dc.no_update; }
            return { unit: unit, version: version === undefined ? null : version };
        }
    });
})();
