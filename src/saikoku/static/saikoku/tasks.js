/* The work queue's keys: j/k (like ↓/↑, which console.js handles for every result
   list) move through the tasks; Enter opens the focused one (a link). */
(function () {
  "use strict";
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT");
  }
  document.addEventListener("keydown", function (event) {
    if ((event.key !== "j" && event.key !== "k") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(document.activeElement)) return;
    var links = Array.prototype.slice.call(document.querySelectorAll("[data-task-link]"));
    if (!links.length) return;
    event.preventDefault();
    var index = links.indexOf(document.activeElement);
    var next = index === -1 ? 0 : index + (event.key === "j" ? 1 : -1);
    links[Math.max(0, Math.min(links.length - 1, next))].focus();
  });
})();
