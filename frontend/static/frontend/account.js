/* The "send me a code" button of the account-deletion form: asks POST /api/v1/auth/sms-code for a
   code (purpose "delete") to her own number. Words come from data-* attributes (no inline script). */
(function () {
  "use strict";
  var button = document.getElementById("send-code");
  if (!button) return;
  var status = document.getElementById("code-status");
  var csrf = document.querySelector("#delete-account input[name=csrfmiddlewaretoken]");
  button.addEventListener("click", function () {
    button.disabled = true;
    fetch(button.getAttribute("data-url"), {
      method: "post",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "x-csrftoken": csrf ? csrf.value : "" },
      body: JSON.stringify({ phone: button.getAttribute("data-phone"), purpose: button.getAttribute("data-purpose") })
    }).then(function (response) {
      status.textContent = button.getAttribute(response.ok ? "data-sent" : "data-failed");
      setTimeout(function () { button.disabled = false; }, response.ok ? 60000 : 5000);
    }, function () {
      status.textContent = button.getAttribute("data-failed");
      button.disabled = false;
    });
  });
})();
