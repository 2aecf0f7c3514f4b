// The "get a code" button of the joining pages (frontend/join.py): after a code was sent the page
// comes back with data-wait (seconds); the button waits that long, counting down. Its words come
// from the page (data-wait-text, "#" standing for the seconds). Without this script the button
// simply stays a submit button, and the server says how long to wait.
(function () {
  "use strict";
  var button = document.querySelector("[data-code-button]");
  if (!button) {
    return;
  }
  var seconds = parseInt(button.getAttribute("data-wait"), 10) || 0;
  if (seconds <= 0) {
    return;
  }
  var label = button.textContent;
  var pattern = button.getAttribute("data-wait-text") || "#";
  var until = Date.now() + seconds * 1000;
  function tick() {
    var left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0) {
      button.disabled = false;
      button.textContent = label;
      return;
    }
    button.disabled = true;
    button.textContent = pattern.replace("#", String(left));
    window.setTimeout(tick, 250);
  }
  tick();
})();
