/*
 * The privacy notice's "OK, let's start" form is sent once: a second click while the
 * first is on its way would start the chat again from the same browser. Coming back to
 * the page (the Back button) allows it again.
 */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.id !== "start") { return; }
    if (form.getAttribute("data-sent") === "1") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sent", "1");
  });
  window.addEventListener("pageshow", function () {
    var form = document.getElementById("start");
    if (form) { form.removeAttribute("data-sent"); }
  });
}());
