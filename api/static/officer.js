/* The new-campaign form's live count of who matches: progressive enhancement only.
   Without JavaScript the "Count who matches" button posts the form and the page shows
   the count. With it, any change asks /officer/campaigns/count (same filters, read only)
   and the count updates in its polite live region; the button stays for those who
   prefer it. */
(function () {
  "use strict";
  var form = document.getElementById("campaign-form");
  var out = document.getElementById("match-count");
  if (!form || !out || !window.fetch || !window.URLSearchParams) { return; }
  var timer = null;
  var asked = 0;
  function count() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (key !== "csrf" && key !== "action" && typeof value === "string") { params.append(key, value); }
    });
    var mine = ++asked;
    fetch("/officer/campaigns/count?" + params.toString(), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (reply) {
      return reply.ok ? reply.json() : null;
    }).then(function (data) {
      if (data && mine === asked && typeof data.text === "string") { out.textContent = data.text; }
    }).catch(function () { /* the button still works */ });
  }
  function soon() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(count, 300);
  }
  form.addEventListener("change", soon);
  form.addEventListener("input", function (event) {
    if (event.target && event.target.type === "date") { soon(); }
  });
  count();
}());
