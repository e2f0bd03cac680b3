// The live SMS counter: the same rule as saikoku/sms/text.py (sms_count), which the
// server applies again on save. Japanese SMS is UCS-2: 70 units in one message, 67 in
// each part of a concatenated one; characters outside the BMP cannot be sent.
// The length shown is the server's length check (sms/policy.py, longest_units): every
// placeholder at its longest value (the page's data-longest) plus the closing line.
// Refused characters are named as sms/policy.py, char_label, names them.
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

  // render() of sms/policy.py: placeholders filled (an unknown one with nothing), line
  // breaks as LF, the ends stripped; the closing line is the box's data-extra.
  function fillLongest(text, longest) {
    var filled = text.replace(/\{([^{}]*)\}/g, function (_, name) {
      var value = longest[name.trim()];
      return value === undefined ? "" : value;
    });
    return filled.replace(/\r\n/g, "\n").replace(/\r/g, "\n").trim();
  }
  window.smsFillLongest = fillLongest;

  var VARIATION_SELECTOR = /^[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]$/u;
  var INVISIBLE = /^[\p{Mn}\p{Me}\p{Cf}\p{Cs}\p{Co}\p{Cn}]$/u;
  function charLabel(ch, selectorWord) {
    var code = "U+" + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
    if (VARIATION_SELECTOR.test(ch)) return "「" + code + "（" + selectorWord + "）」";
    if (INVISIBLE.test(ch)) return "「" + code + "」";
    return "「" + ch + "」";
  }
  window.smsCharLabel = charLabel;

  function longestValues() {
    var data = document.querySelector("[data-longest]");
    return data ? JSON.parse(data.dataset.longest) : {};
  }

  function render(box, longest) {
    var input = document.getElementById(box.dataset.for);
    if (!input) return;
    // An empty variant is not sent: payers of that language get the Japanese text.
    var unused = box.hasAttribute("data-optional") && input.value.trim() === "";
    box.querySelector("[data-unused]").hidden = !unused;
    box.querySelector("[data-count]").hidden = unused;
    var extra = parseInt(box.dataset.extra || "0", 10);
    var max = parseInt(box.dataset.max, 10);
    var result = smsCount(input.value);
    var total = unused ? 0 : smsCount(fillLongest(input.value, longest)).units + extra;
    var parts = total === 0 ? 0 : total <= 70 ? 1 : Math.ceil(total / 67);
    box.querySelector("[data-units]").textContent = String(total);
    box.querySelector("[data-parts]").textContent = String(parts);
    var over = box.querySelector("[data-over]");
    over.hidden = total <= max;
    var bad = box.querySelector("[data-unsendable]");
    if (result.unsendable.length) {
      bad.hidden = false;
      bad.querySelector("[data-list]").textContent = result.unsendable
        .map(function (p) {
          return box.dataset.position.replace("{n}", p[0]) + charLabel(p[1], box.dataset.selector);
        })
        .join("、");
    } else {
      bad.hidden = true;
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var longest = longestValues();
    document.querySelectorAll("[data-sms-counter]").forEach(function (box) {
      var input = document.getElementById(box.dataset.for);
      if (!input) return;
      input.addEventListener("input", function () { render(box, longest); });
      render(box, longest);
    });
  });
})();
