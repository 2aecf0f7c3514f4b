/* "Turn on phone notifications" on /m/notifications/: ask the phone, subscribe through the
   service worker with the server's VAPID key, and hand the subscription to the API. */
"use strict";
(function () {
  var button = document.getElementById("push-on");
  var status = document.getElementById("push-status");
  if (!button || !status) return;
  var words = JSON.parse(document.getElementById("push-words").textContent);
  function say(text) { status.textContent = text; }
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say(words.unsupported);
    return;
  }
  if (!button.dataset.key) { say(words.off); return; }
  button.hidden = false;

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }
  function csrf() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  button.addEventListener("click", function () {
    say(words.asking);
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") throw new Error("denied");
      return navigator.serviceWorker.register("/m/sw.js", { scope: "/m/" }).then(function () {
        return navigator.serviceWorker.ready;
      });
    }).then(function (registration) {
      return registration.pushManager.getSubscription().then(function (existing) {
        return existing || registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(button.dataset.key) });
      });
    }).then(function (subscription) {
      var body = subscription.toJSON();
      body.label = (navigator.userAgentData && navigator.userAgentData.platform) || "";
      return fetch(button.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify(body)
      });
    }).then(function (response) {
      if (!response.ok) throw new Error("failed");
      say(words.on);
    }).catch(function (error) {
      say(error && error.message === "denied" ? words.denied : words.failed);
    });
  });
})();
