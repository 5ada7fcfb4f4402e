// The dashboard's only script (served as dashboard/app.js; the CSP allows no inline script). Every
// 30 s it fetches the page again and swaps <main> for the new one: the server renders and escapes
// all data, this only moves the server's HTML. Scripts in the fetched HTML never run (DOMParser).
// On a failed refresh the last data stays, marked stale.
"use strict";
(function () {
  const note = document.getElementById("refresh");
  const seconds = Number(note && note.dataset.seconds) || 30;

  function say(text, stale) {
    if (!note) return;
    note.textContent = text;
    note.classList.toggle("stale", stale);
  }

  async function refresh() {
    try {
      const res = await fetch(location.href, { cache: "no-store", headers: { accept: "text/html" } });
      if (!res.ok) throw new Error("HTTP " + res.status);
      const next = new DOMParser().parseFromString(await res.text(), "text/html").querySelector("main");
      const main = document.querySelector("main");
      if (!next || !main) throw new Error("the page has no <main>");
      main.replaceWith(document.adoptNode(next));
      say("Updated " + new Date().toLocaleTimeString() + "; refreshes every " + seconds + " s.", false);
    } catch (e) {
      say("Refresh failed at " + new Date().toLocaleTimeString() + " (" + (e && e.message ? e.message : e) + "): the data below is stale; retrying every " + seconds + " s.", true);
    }
  }

  setInterval(refresh, seconds * 1000);
})();
