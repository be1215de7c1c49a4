/* Crew page (pages/crew.py): send the phone's GPS position while the crew allows it.
 *
 * The "crew-gps" button toggles navigator.geolocation.watchPosition; each fix (at most one every
 * MIN_INTERVAL_MS) is written into the "crew-fix" store with dash_clientside.set_props, and a
 * server callback stores it as the unit's position. Nothing is sent unless the crew presses the
 * button and the browser's permission prompt is accepted.
 */
(function () {
    var MIN_INTERVAL_MS = 10000;
    var dc = window.dash_clientside = window.dash_clientside || {};
    var state = { watch: null, last: 0 };

    function setProps(id, props) {
        if (window.dash_clientside && window.dash_clientside.set_props) {
            window.dash_clientside.set_props(id, props);
        }
    }

    dc.crew = {
        gps: function (nClicks) {
            if (!nClicks) {
                return window.dash_clientside.no_update;
            }
            if (state.watch !== null) {
                navigator.geolocation.clearWatch(state.watch);
                state.watch = null;
                return { state: "off", t: Date.now() };
            }
            if (!("geolocation" in navigator)) {
                return { state: "unsupported", t: Date.now() };
            }
            state.last = 0;
            state.watch = navigator.geolocation.watchPosition(
                function (pos) {
                    var now = Date.now();
                    if (now - state.last < MIN_INTERVAL_MS) {
                        return;
                    }
                    state.last = now;
                    setProps("crew-fix", { data: {
                        lat: pos.coords.latitude, lon: pos.coords.longitude,
                        accuracy_m: pos.coords.accuracy, t: now } });
                },
                function (err) {
                    state.watch = null;
                    setProps("crew-gps-state", { data: { state: "error", code: err.code, message: err.message,
                                                        t: Date.now() } });
                },
                { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 }
            );
            return { state: "on", t: Date.now() };
        }
    };
})();
