/* Returned-mail registration, keyboard only: the code (a scanner types digits and
   Enter), then the reason by one key 1–5, then Enter; the page comes back ready for
   the next envelope. A refused number sounds a short low beep (Web Audio API) beside
   the message the page shows. */
(function () {
  "use strict";
  var form = document.querySelector("[data-returned-mail-form]");
  if (!form) return;
  var code = form.querySelector("[name=code]");
  var stage = form.querySelector("[data-reason-stage]");

  function beep() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      var audio = new Context();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.type = "square";
      tone.frequency.value = 220;
      gain.gain.value = 0.15;
      tone.connect(gain);
      gain.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.25);
    } catch (e) { /* no sound device: the message is still on the screen */ }
  }
  if (document.querySelector("[data-refused]")) beep();

  function choose(key) {
    var radio = form.querySelector("[name=reason][value='" + key + "']");
    if (radio) { radio.checked = true; radio.focus(); }
    return radio;
  }
  code.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    if (!code.value.trim()) return;
    stage.focus();
  });
  form.addEventListener("keydown", function (event) {
    if (event.target === code) return;
    if (event.key >= "1" && event.key <= "5") {
      event.preventDefault();
      choose(event.key);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (form.querySelector("[name=reason]:checked")) form.submit();
    } else if (event.key === "Escape") {
      event.preventDefault();
      code.focus();
      code.select();
    }
  });
  code.focus();
})();
