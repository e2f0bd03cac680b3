// The live SMS counter: the same rule as saikoku/sms/text.py (sms_count), which the
// server applies again on save. Japanese SMS is UCS-2: 70 units in one message, 67 in
// each part of a concatenated one; characters outside the BMP cannot be sent.
(function () {
  "use strict";
  function smsCount(text) {
    text = text.replace(/\r\n/g, "\n").replace(/\r/g, "\n");
    var units = 0;
    var unsendable = [];
    var position = 0;
    // for…of walks code points, as Python's str does.
    for (var ch of text) {
      position += 1;
      var code = ch.codePointAt(0);
      if (code > 0xffff || (code >= 0xd800 && code <= 0xdfff)) {
        unsendable.push([position, ch]);
      } else {
        units += 1;
      }
    }
    var parts = units === 0 ? 0 : units <= 70 ? 1 : Math.ceil(units / 67);
    return { units: units, parts: parts, unsendable: unsendable };
  }
  window.smsCount = smsCount;

  function render(box) {
    var input = document.getElementById(box.dataset.for);
    if (!input) return;
    var extra = parseInt(box.dataset.extra || "0", 10);
    var max = parseInt(box.dataset.max, 10);
    var result = smsCount(input.value);
    var total = result.units + extra;
    var parts = total === 0 ? 0 : total <= 70 ? 1 : Math.ceil(total / 67);
    box.querySelector("[data-units]").textContent = String(total);
    box.querySelector("[data-parts]").textContent = String(parts);
    var over = box.querySelector("[data-over]");
    over.hidden = total <= max;
    var bad = box.querySelector("[data-unsendable]");
    if (result.unsendable.length) {
      bad.hidden = false;
      bad.querySelector("[data-list]").textContent = result.unsendable
        .map(function (p) { return box.dataset.position.replace("{n}", p[0]) + " 「" + p[1] + "」"; })
        .join("、");
    } else {
      bad.hidden = true;
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-sms-counter]").forEach(function (box) {
      var input = document.getElementById(box.dataset.for);
      if (!input) return;
      input.addEventListener("input", function () { render(box); });
      render(box);
    });
  });
})();
