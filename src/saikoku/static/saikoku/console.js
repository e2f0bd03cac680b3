/* The console's own script: keyboard shortcuts, result navigation, the session
   timeout warning and the language switch. No inline script anywhere (CSP-friendly). */
(function () {
  "use strict";

  function isTyping(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  // "/" focuses the search box from anywhere (CONSOLE.md: keyboard first).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(document.activeElement)) return;
    var box = document.querySelector("[data-search-box]");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  // Arrow keys move through the result lines; Enter opens (the focused link).
  function resultLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-result-link]"));
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    var links = resultLinks();
    if (!links.length) return;
    var active = document.activeElement;
    var index = links.indexOf(active);
    if (index === -1 && isTyping(active) && !active.matches("[data-search-box]")) return;
    event.preventDefault();
    var next;
    if (index === -1) {
      next = event.key === "ArrowDown" ? 0 : links.length - 1;
    } else {
      next = event.key === "ArrowDown" ? Math.min(index + 1, links.length - 1) : Math.max(index - 1, 0);
    }
    links[next].focus();
  });

  // The language switch submits itself on change; the button stays for keyboards
  // and for browsers without script.
  document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Session timeout: warn one minute before the server ends the session.
  var body = document.body;
  // data-session-age: seconds left now; data-session-max: the full age a renewal gives.
  var age = parseInt(body.getAttribute("data-session-age") || "", 10);
  var full = parseInt(body.getAttribute("data-session-max") || "", 10) || age;
  if (!isNaN(age) && age > 0) {
    var warning = document.querySelector("[data-timeout-warning]");
    // Back to this screen after the login (the server checks that next is ours).
    var toLogin = function () {
      var login = body.getAttribute("data-login-url") || "/login/";
      var here = window.location.pathname + window.location.search;
      window.location.href = login + "?next=" + encodeURIComponent(here);
    };
    var warnTimer = null;
    var endTimer = null;
    var schedule = function (seconds) {
      clearTimeout(warnTimer);
      clearTimeout(endTimer);
      if (warning) warning.hidden = true;
      warnTimer = setTimeout(function () {
        if (warning) warning.hidden = false;
      }, Math.max(seconds - 60, 0) * 1000);
      endTimer = setTimeout(toLogin, seconds * 1000);
    };
    var renewed = function () { schedule(full); };
    schedule(age);
    // htmx requests renew the session on the server to the full age.
    document.body.addEventListener("htmx:afterRequest", renewed);
    var button = document.querySelector("[data-keepalive]");
    if (button) {
      button.addEventListener("click", function () {
        var token = document.querySelector("input[name=csrfmiddlewaretoken]");
        fetch(body.getAttribute("data-keepalive-url"), {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": token ? token.value : "" }
        }).then(function (response) {
          if (response.ok) renewed();
          else toLogin();
        });
      });
    }
  }
})();
