/* The mothers' app service worker (scope /m/): keeps the app shell and the pages she last
   opened, so that with no network she still sees her last task list, marked as such. */
"use strict";
var CACHE = "{{ version }}";
var SHELL = {{ shell|safe }};
var HALL = "{{ hall }}";
var OFFLINE_TEXT = {{ offline_text|safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key !== CACHE; }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

function markOffline(response) {
  // The page shows its offline notice when the body says it came from the cache.
  return response.text().then(function (html) {
    return new Response(html.replace('data-offline="0"', 'data-offline="1"'), {
      headers: { "Content-Type": "text/html; charset=utf-8" },
    });
  });
}

function offlinePage() {
  var html = '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<body data-offline="1" style="font-family:system-ui,sans-serif;padding:16px"><p id="offline" role="status">' + OFFLINE_TEXT + "</p></body>";
  return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.indexOf("/m/") === 0) {
    // Network first: she always sees the live list when there is a network.
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected && url.pathname.indexOf("/m/photos/") !== 0) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.open(CACHE).then(function (cache) {
        return cache.match(request).then(function (hit) { return hit || cache.match(HALL); });
      }).then(function (hit) { return hit ? markOffline(hit) : offlinePage(); });
    }));
    return;
  }
  if (SHELL.indexOf(url.pathname) >= 0) {
    // The shell too: fresh when online (a new script takes effect at once), kept for offline.
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request).then(function (hit) { return hit || Response.error(); });
    }));
  }
});
