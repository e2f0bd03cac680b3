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
      // Enter saves from a radio or checkbox too, as it does from a text field; an
      // empty choice is sent, and the server says what to do, next to the field.
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
