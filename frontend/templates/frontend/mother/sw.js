/* The mothers' app service worker (scope /m/): keeps the app shell and the pages she last
   opened, so that with no network she still sees her last task list, marked as such. */
"use strict";
var CACHE = "{{ version }}";
// Her pages are kept in a cache of their own per viewer (the X-Homeslot-Viewer header of each
// page): when another account opens the app on this phone, the first one's pages are dropped,
// so nobody is ever shown someone else's task list, tasks or earnings offline.
var PAGES = CACHE + "-pages-";
var VIEWER_HEADER = "X-Homeslot-Viewer";
var SHELL = {{ shell|safe }};
var HALL = "{{ hall }}";
var STYLE = "{{ style }}";
var NOTHING_KEPT_TEXT = {{ nothing_kept_text|safe }};
var ICON = "{{ icon }}";
var APP_NAME = {{ app_name|safe }};
var NOT_SENT_TEXT = {{ not_sent_text|safe }};
var BACK_TEXT = {{ back_text|safe }};
// What she tapped offline (mother_queue.js): sent from here too, by Background Sync when the
// browser has it (the pages send it themselves on "online" and when she next opens one).
importScripts("{{ queue }}");

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key !== CACHE && key.indexOf(PAGES) !== 0;
    }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

function markOffline(response) {
  // The page shows its offline notice when the body says it came from the cache; it keeps the
  // Content-Security-Policy it was served with.
  var headers = { "Content-Type": "text/html; charset=utf-8" };
  var policy = response.headers.get("Content-Security-Policy");
  if (policy) headers["Content-Security-Policy"] = policy;
  return response.text().then(function (html) {
    return new Response(html.replace('data-offline="0"', 'data-offline="1"'), { headers: headers });
  });
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
  });
}

function offlinePage() {
  // Nothing of hers is kept on this phone: say so, and do not pretend to show a task list.
  // Styled by her pages' stylesheet (kept in the shell), not an inline style the page's CSP would refuse.
  var html = '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<link rel="stylesheet" href="' + STYLE + '"><body data-offline="1"><main><p id="offline" role="status">' +
    escapeHtml(NOTHING_KEPT_TEXT) + "</p></main></body>";
  return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function notSentPage() {
  // A form sent while the network dropped (not one the page queued): never the browser's error page.
  var html = '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<link rel="stylesheet" href="' + STYLE + '"><body data-offline="1"><main><p id="not-sent" class="card msg warning" role="alert">' +
    escapeHtml(NOT_SENT_TEXT) + '</p><p><a class="btn wide" href="' + HALL + '">' + escapeHtml(BACK_TEXT) + "</a></p></main></body>";
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function pageCaches() {
  return caches.keys().then(function (keys) { return keys.filter(function (key) { return key.indexOf(PAGES) === 0; }); });
}

function keepOnly(name) {
  // Drop every viewer's pages but ``name``'s (all of them when ``name`` is null).
  return pageCaches().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key !== name; }).map(function (key) { return caches.delete(key); }));
  });
}

function lastKept(request) {
  // Offline: the page she asked for, else her task list; only ever from the one viewer's cache kept.
  return pageCaches().then(function (keys) {
    if (keys.length !== 1) return null;
    // Her pages carry "Vary: Accept-Language, Cookie": a match by URL alone ("/m/") would never find
    // the task list kept from a navigation. The cache holds one viewer's pages only, so no Vary is needed.
    var exact = { ignoreVary: true };
    return caches.open(keys[0]).then(function (cache) {
      return cache.match(request, exact).then(function (hit) { return hit || cache.match(HALL, exact); });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && request.mode === "navigate" && url.pathname.indexOf("/m/") === 0) {
    event.respondWith(fetch(request).catch(notSentPage));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate" && url.pathname.indexOf("/m/") === 0) {
    // Network first: she always sees the live list when there is a network.
    event.respondWith(fetch(request).then(function (response) {
      var viewer = response.headers.get(VIEWER_HEADER);
      if (viewer) {
        var name = PAGES + viewer;
        var keep = response.ok && url.pathname.indexOf("/m/photos/") !== 0;
        var copy = keep ? response.clone() : null;
        event.waitUntil(keepOnly(name).then(function () {
          if (copy) return caches.open(name).then(function (cache) { return cache.put(request, copy); });
        }));
      } else if (response.status === 403) {
        // The app refused the account now signed in on this phone (not a mother's): whatever was
        // kept for the last one must not be shown to whoever holds the phone now.
        event.waitUntil(keepOnly(null));
      }
      return response;
    }).catch(function () {
      return lastKept(request).then(function (hit) { return hit ? markOffline(hit) : offlinePage(); });
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

self.addEventListener("sync", function (event) {
  if (event.tag !== self.HomeslotQueue.TAG) return;
  var queue = self.HomeslotQueue;
  event.waitUntil(queue.flush(null).then(function (answered) {
    if (!answered) return;
    return self.clients.matchAll({ type: "window" }).then(function (windows) {
      windows.forEach(function (client) { client.postMessage({ type: "m-queue" }); });
    });
  }).then(queue.pending).then(function (left) {
    if (left.length) throw new Error("still offline"); // the browser tries the sync again later
  }));
});

// A notice pushed to this phone (notices/delivery.py: {title, body, url, tag, notice}): show it.
self.addEventListener("push", function (event) {
  var message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(self.registration.showNotification(message.title || APP_NAME, {
    body: message.body || "",
    tag: message.tag,
    icon: ICON,
    data: { url: message.url || HALL }
  }));
});

// Tapping it opens the notice's page: an open window of the app goes there, else a new one.
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL((event.notification.data && event.notification.data.url) || HALL, self.location.origin);
  if (target.origin !== self.location.origin) target = new URL(HALL, self.location.origin);
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if (new URL(windows[i].url).pathname.indexOf("/m/") === 0 && "navigate" in windows[i]) {
        return windows[i].navigate(target.href).then(function (client) { return client && client.focus(); });
      }
    }
    return self.clients.openWindow(target.href);
  }));
});
