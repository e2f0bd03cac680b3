/* The call screen and the view-reason prompt: N for "Next", D to dial the suggested
   number, the key shown on a choice picks it (each outcome has its own, outcomes.py;
   the reasons are numbered), Enter on a chosen radio or checkbox submits its form, and
   the clock of how long the payer has been locked to this operator.
   Keys act only when no field has the focus (typing a note never picks an outcome). */
(function () {
  "use strict";

  function isTyping(el) {
    if (!el) return false;
    var tag = el.tagName;
    if (tag === "INPUT") {
      var type = (el.getAttribute("type") || "text").toLowerCase();
      return type !== "radio" && type !== "checkbox";
    }
    return tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(document.activeElement)) return;
    var key = event.key;
    if (key === "n" || key === "N") {
      var next = document.querySelector("[data-next]");
      if (next) {
        event.preventDefault();
        next.click();
      }
      return;
    }
    if (key === "d" || key === "D") {
      var dial = document.querySelector("[data-dial]");
      if (dial) {
        event.preventDefault();
        dial.click();
      }
      return;
    }
    if (key === "Enter") {
      // Enter saves from a radio or checkbox too, as it does from a text field; with no
      // outcome chosen the page says what to do, next to the list (below).
      var focused = document.activeElement;
      if (focused && focused.form && focused.tagName === "INPUT") {
        event.preventDefault();
        focused.form.requestSubmit();
      }
      return;
    }
    if (/^[0-9a-z]$/i.test(key)) {
      var radio = document.querySelector(
        'input[type="radio"][data-key="' + key.toLowerCase() + '"]:not(:disabled)'
      );
      if (radio) {
        event.preventDefault();
        radio.checked = true;
        radio.focus();
      }
    }
  });

  // Where the keyboard starts when the page opens (a new payer after N or a save, the
  // identity confirmed, a refused save): the first field in error, with its message
  // scrolled into view; else the first control of the first step still to do (the
  // template marks the steps with data-step, in the screen's order: identity, outcome).
  function stepControl(step) {
    if (step.matches("input, select, textarea, button")) return step;
    return (
      step.querySelector("input:checked:not(:disabled)") ||
      step.querySelector(
        'input:not([type="hidden"]):not(:disabled), select:not(:disabled), textarea:not(:disabled)'
      )
    );
  }

  function focusStart() {
    var invalid = document.querySelector('[aria-invalid="true"]:not(:disabled)');
    if (invalid && invalid.type === "radio") {
      invalid =
        document.querySelector('input[name="' + invalid.name + '"]:checked:not(:disabled)') ||
        invalid;
    }
    var step = document.querySelector("[data-step]");
    var target = invalid || (step && stepControl(step));
    if (!target) return;
    target.focus();
    var message = invalid
      ? document.getElementById(invalid.getAttribute("aria-errormessage") || "")
      : document.querySelector(".field-error:not([hidden])");
    if (message) message.scrollIntoView({ block: "nearest" });
  }
  if (document.querySelector("[data-step]")) focusStart();

  // A refused save or identity check is answered at its POST URL (/calls/record/): the
  // address bar goes back to the screen's own, so that a reload, or a form sent after
  // the session ended (the login's next is the Referer), comes back to the screen
  // rather than to a URL that only takes a POST.
  var screenUrl = document.querySelector("[data-screen-url]");
  if (screenUrl && window.location.pathname !== screenUrl.getAttribute("data-screen-url")) {
    window.history.replaceState(null, "", screenUrl.getAttribute("data-screen-url"));
  }

  // Saving with no outcome chosen says what to do at once, next to the list, and the
  // focus stays where it was (the server refuses it too, with the same message).
  var outcomeForm = document.querySelector("[data-outcome-form]");
  if (outcomeForm) {
    outcomeForm.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.hasAttribute("formaction")) return; // the dial button
      if (outcomeForm.querySelector('input[name="outcome"]:checked')) return;
      event.preventDefault();
      var required = outcomeForm.querySelector("[data-outcome-required]");
      if (required) {
        required.hidden = false;
        required.scrollIntoView({ block: "nearest" });
      }
    });
  }

  var timer = document.querySelector("[data-locked-seconds]");
  var clock = document.querySelector("[data-lock-clock]");
  if (timer && clock) {
    var start = Date.now() - parseInt(timer.getAttribute("data-locked-seconds") || "0", 10) * 1000;
    var tick = function () {
      var seconds = Math.max(0, Math.floor((Date.now() - start) / 1000));
      var m = Math.floor(seconds / 60);
      var s = seconds % 60;
      clock.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    };
    tick();
    setInterval(tick, 1000);
  }
})();
