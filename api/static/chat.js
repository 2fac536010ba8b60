/* carevoice web chat: a small progressive enhancement.
 *
 * Without this script every form still works: it posts, the server redirects, and the
 * page shows what comes next. With it, the same forms are sent with fetch, the new
 * messages are added to the conversation (an aria-live log, so screen readers hear
 * them), the answer area is replaced, and focus moves to the next answer. Anything
 * unexpected falls back to a plain form submission, whose message key makes a repeat
 * harmless (the server records each key once).
 */
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser || !window.URLSearchParams || !document.addEventListener) {
    return;
  }
  var busy = false;

  function buttons() {
    return document.querySelectorAll("#answer button, #help-form button");
  }

  function setBusy(on) {
    busy = on;
    buttons().forEach(function (b) { b.disabled = on; });
    document.body.setAttribute("aria-busy", on ? "true" : "false");
  }

  function formData(form, submitter) {
    var data;
    try {
      data = new FormData(form, submitter || undefined);
    } catch (e) {
      data = new FormData(form);
      if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    }
    return data;
  }

  function plainSubmit(form, submitter) {
    form.setAttribute("data-plain", "1");
    // The page that comes back keeps this fragment through the server's redirect, so the
    // answer is where focus lands again (below), not the top of a page reloaded.
    var action = form.getAttribute("action") || window.location.pathname;
    if (form.id === "answer" && action.indexOf("#") < 0) {
      form.setAttribute("action", action + "#answer-area");
    }
    if (form.requestSubmit) {
      form.requestSubmit(submitter || undefined);
      return;
    }
    if (submitter && submitter.name) {
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = submitter.name;
      hidden.value = submitter.value;
      form.appendChild(hidden);
    }
    form.submit();
  }

  function replaceById(doc, id) {
    var fresh = doc.getElementById(id);
    var old = document.getElementById(id);
    if (fresh && old) { old.replaceWith(document.importNode(fresh, true)); }
  }

  function focusNext(added) {
    // After a disclosure the help reply (Childline, 999) gets focus, not the next answer.
    for (var i = 0; i < added.length; i += 1) {
      var help = added[i].querySelector(".help-card");
      if (help) {
        document.querySelectorAll(".help-card[id=help]").forEach(function (old) {
          if (old !== help) { old.removeAttribute("id"); }
        });
        help.setAttribute("tabindex", "-1");
        help.focus();
        help.scrollIntoView({ block: "start" });
        return;
      }
    }
    var area = document.getElementById("answer-area");
    var target = area && area.querySelector("textarea, input[type=checkbox], button, a[href]");
    if (!target && added.length) {
      target = added[added.length - 1];
      target.setAttribute("tabindex", "-1");
    }
    if (target) { target.focus(); }
  }

  function update(doc) {
    var log = document.getElementById("log");
    var added = [];
    // The easy survey shows one question a screen: what came before goes, as on a reload.
    if (document.body.classList.contains("easy")) {
      while (log.firstChild) { log.removeChild(log.firstChild); }
    }
    doc.querySelectorAll("#log > li").forEach(function (item) {
      var node = document.importNode(item, true);
      node.classList.add("is-new");
      log.appendChild(node);
      added.push(node);
    });
    replaceById(doc, "answer-area");
    replaceById(doc, "progress-area");
    var key = doc.querySelector("#help-form input[name=key]");
    var mine = document.querySelector("#help-form input[name=key]");
    if (key && mine) { mine.value = key.value; }
    var title = doc.getElementById("chat-title");
    var myTitle = document.getElementById("chat-title");
    if (title && myTitle) { myTitle.textContent = title.textContent; }
    document.title = doc.title;
    setBusy(false);
    enhance();
    focusNext(added);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || (form.id !== "answer" && form.id !== "help-form")) { return; }
    if (form.getAttribute("data-plain") === "1") { return; }
    event.preventDefault();
    if (busy) { return; }
    var submitter = event.submitter || null;
    var body = new URLSearchParams(formData(form, submitter));
    setBusy(true);
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "follow",
      headers: { "Accept": "text/html" }
    }).then(function (response) {
      return response.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (!response.ok || !doc.getElementById("log")) { throw new Error("not the chat"); }
        update(doc);
      });
    }).catch(function () {
      setBusy(false);
      plainSubmit(form, submitter);
    });
  });

  // Words typed but not yet sent survive a reload of this tab (sessionStorage: this tab
  // only, gone when it is closed), for this question only; sending lets them go.
  function draftKey(form) {
    var question = form && form.querySelector("input[name=question]");
    return question ? "carevoice-draft:" + window.location.pathname + ":" + question.value : null;
  }

  function keepDraft(text) {
    var key = draftKey(text.form);
    if (!key) { return; }
    try {
      var kept = window.sessionStorage.getItem(key);
      if (kept && !text.value) { text.value = kept; }
      text.addEventListener("input", function () {
        if (text.value) { window.sessionStorage.setItem(key, text.value); }
        else { window.sessionStorage.removeItem(key); }
      });
      text.form.addEventListener("submit", function (event) {  // sent (not Skip or Stop)
        if (!event.submitter || !event.submitter.name) { window.sessionStorage.removeItem(key); }
      });
    } catch (e) { /* storage turned off: nothing kept */ }
  }

  function enhance() {
    var text = document.getElementById("text");
    if (!text || text.getAttribute("data-counted")) { return; }
    text.setAttribute("data-counted", "1");
    keepDraft(text);
    // no maxlength: a browser cuts a long paste without a word; the counter says how many
    // characters are too many, and the chat keeps the words if they are sent anyway
    var limit = parseInt(text.getAttribute("data-limit"), 10);
    var group = text.getAttribute("data-group") || ",";
    var row = text.form && text.form.querySelector(".send-row");
    if (!limit || !row) { return; }
    var counter = document.createElement("span");
    counter.className = "counter";
    row.insertBefore(counter, row.firstChild);
    function show() {
      var left = limit - text.value.length;
      var over = left < 0;
      var n = over ? -left : left;
      // the words come from the page, in the young person's language ({n}: the number)
      var words = text.getAttribute((over ? "data-over-" : "data-left-") + (n === 1 ? "one" : "many"));
      // grouped as the hint writes the limit ("1,000 characters left", not "1000")
      var shown = String(n).replace(/\B(?=(\d{3})+(?!\d))/g, group);
      counter.textContent = words ? words.replace("{n}", shown)
        : shown + (over ? " too many" : " left");
      counter.classList.toggle("counter-over", over);
      if (over) { text.setAttribute("aria-invalid", "true"); } else { text.removeAttribute("aria-invalid"); }
    }
    text.addEventListener("input", show);
    show();
  }

  // "Listen" links beside messages play in the page (without this script the link opens
  // the audio file, which the browser plays).
  var playing = null;
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.listen");
    if (!link || !window.Audio) { return; }
    event.preventDefault();
    if (playing) { playing.pause(); }
    playing = new Audio(link.getAttribute("href"));
    playing.play().catch(function () { window.location.href = link.getAttribute("href"); });
  });

  enhance();
  if (window.location.hash === "#answer-area") {  // after a plain post (above)
    window.addEventListener("load", function () { focusNext([]); });
  }
}());
