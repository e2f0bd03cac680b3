/* The call screen: N for "Next", 1–9 to pick an outcome, D to dial the suggested
   number, and the clock of how long the payer has been locked to this operator.
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
    if (/^[1-9]$/.test(key)) {
      var radio = document.querySelector('input[name="outcome"][data-key="' + key + '"]');
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
