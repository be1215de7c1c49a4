// Shows "database unavailable since hh:mm (WITA), retrying" on every page while /readyz says the
// database cannot be reached, and removes it by itself when it is back. Pages keep their last data.
(function () {
  "use strict";
  var POLL_MS = 5000, FAST_MS = 2000, since = null, timer = null;
  function lang() {
    var m = document.cookie.match(/(?:^|; )k112_lang=(id|en)/);
    return m ? m[1] : (document.documentElement.lang === "en" ? "en" : "id");
  }
  function hhmm(d) {
    try {
      return new Intl.DateTimeFormat("id-ID", {hour: "2-digit", minute: "2-digit", hour12: false,
                                                timeZone: "Asia/Makassar"}).format(d).replace(".", ":");
    } catch (e) { return d.toTimeString().slice(0, 5); }
  }
  function banner() {
    var el = document.getElementById("db-outage-banner");
    if (!el) {
      el = document.createElement("div");
      el.id = "db-outage-banner";
      el.className = "k112-outage";
      el.setAttribute("role", "alert");
      document.body.insertBefore(el, document.body.firstChild);
    }
    return el;
  }
  function show() {
    var t = hhmm(since) + " WITA";
    banner().textContent = lang() === "en"
      ? "Database unavailable since " + t + ", retrying — the screen shows the last data it had (read-only)."
      : "Basis data tidak tersedia sejak " + t + ", mencoba lagi — layar menampilkan data terakhir (hanya baca).";
    document.body.classList.add("k112-db-down");
  }
  function hide() {
    var el = document.getElementById("db-outage-banner");
    if (el) { el.parentNode.removeChild(el); }
    document.body.classList.remove("k112-db-down");
  }
  function schedule(ms) { clearTimeout(timer); timer = setTimeout(check, ms); }
  function check() {
    var ctl = typeof AbortController === "function" ? new AbortController() : null;
    var cut = ctl ? setTimeout(function () { ctl.abort(); }, 3000) : null;
    fetch("/readyz", {cache: "no-store", credentials: "same-origin", signal: ctl ? ctl.signal : undefined})
      .then(function (r) { return r.status === 200; }, function () { return false; })
      .then(function (ok) {
        if (cut) { clearTimeout(cut); }
        if (ok) { if (since) { since = null; hide(); } schedule(POLL_MS); }
        else { if (!since) { since = new Date(); } show(); schedule(FAST_MS); }
      });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", check); }
  else { check(); }
})();
