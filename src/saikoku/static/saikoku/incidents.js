/* The incident register's shortcuts: Alt+letter clicks the control whose
   data-shortcut is that letter (the key is shown on it as <kbd>). By the key's code,
   so the layout or an Option key's accented letter does not change it. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    var code = event.code || "";
    if (code.indexOf("Key") !== 0) return;
    var target = document.querySelector('[data-shortcut="' + code.slice(3).toLowerCase() + '"]');
    if (!target) return;
    event.preventDefault();
    target.click();
  });
})();
