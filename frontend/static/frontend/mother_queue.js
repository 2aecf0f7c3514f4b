/* What she tapped while offline (领一个, 交活), kept on the phone until it can be sent.
   Used by the pages (mother.js) and by the service worker (sw.js: Background Sync): both may send,
   and a send repeated by both, or after a lost answer, is harmless: every entry carries the
   Idempotency-Key made when she tapped, so the API answers a repeat with the first answer.
   An entry goes to the API (/api/v1/…), the answer is kept as an outcome for her next page. */
(function (scope) {
  "use strict";
  var NAME = "m-queue", VERSION = 1;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = scope.indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("sends")) db.createObjectStore("sends", { keyPath: "key" });
        if (!db.objectStoreNames.contains("outcomes")) db.createObjectStore("outcomes", { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode), result;
        var request = work(tx.objectStore(store));
        if (request) request.onsuccess = function () { result = request.result; };
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function newKey() {
    if (scope.crypto && scope.crypto.randomUUID) return scope.crypto.randomUUID();
    return "m-" + Date.now() + "-" + Math.random().toString(36).slice(2);
  }

  function body(entry) {
    if (entry.json) return { body: JSON.stringify(entry.json), type: "application/json" };
    var data = new FormData();
    entry.parts.forEach(function (part) {
      if (part[1] instanceof Blob) data.append(part[0], part[1], part[2] || "photo.jpg");
      else data.append(part[0], part[1]);
    });
    return { body: data, type: null };
  }

  function sendOne(entry, csrf) {
    var made = body(entry);
    var headers = { "idempotency-key": entry.key, "x-csrftoken": csrf || entry.csrf, accept: "application/json" }; // (names are case-blind)
    if (made.type) headers["content-type"] = made.type;
    return fetch(entry.url, { method: "POST", credentials: "same-origin", headers: headers, body: made.body }).then(
      function (response) {
        // The server is busy or down for a moment (429, 5xx): not an answer; it waits for the next try.
        if (response.status === 429 || response.status >= 500) throw new Error("retry later");
        return response.json().catch(function () { return {}; }).then(function (data) {
          var error = (data && data.error) || {};
          return {
            key: entry.key,
            what: entry.what,
            title: entry.title,
            ok: response.ok,
            status: response.status,
            code: error.code || "",
            message: error.message || "",
            claim: response.ok ? (entry.what === "claim" ? data.id : entry.claim) : entry.claim,
            at: Date.now()
          };
        });
      }
    );
  }

  var flushing = null;
  // Send what waits, oldest first; stop at the first send the network refuses (still offline).
  // Resolves to the number of answers that came back. ``csrf``: the sending page's token (the
  // worker has none but the one kept with each entry).
  function flush(csrf) {
    if (flushing) return flushing;
    flushing = pending().then(function (entries) {
      entries.sort(function (a, b) { return a.at - b.at; });
      var answered = 0;
      var next = function (i) {
        if (i >= entries.length) return answered;
        return sendOne(entries[i], csrf).then(function (outcome) {
          answered += 1;
          return run("outcomes", "readwrite", function (store) { store.put(outcome); }).then(function () {
            return run("sends", "readwrite", function (store) { store.delete(entries[i].key); });
          }).then(function () { return next(i + 1); });
        }, function () { return answered; });
      };
      return next(0);
    }).then(function (n) { flushing = null; return n; }, function (error) { flushing = null; throw error; });
    return flushing;
  }

  function pending() { return run("sends", "readonly", function (store) { return store.getAll(); }); }

  function add(entry) {
    entry.key = entry.key || newKey();
    entry.at = Date.now();
    return run("sends", "readwrite", function (store) { store.put(entry); }).then(function () { return entry; });
  }

  // The answers that came back since she last looked; each is shown once, then dropped.
  function takeOutcomes() {
    return run("outcomes", "readonly", function (store) { return store.getAll(); }).then(function (outcomes) {
      return run("outcomes", "readwrite", function (store) { store.clear(); }).then(function () { return outcomes; });
    });
  }

  // A shared phone: what one mother queued is not sent or shown for whoever signs in next.
  function forget() {
    return Promise.all([
      run("sends", "readwrite", function (store) { store.clear(); }),
      run("outcomes", "readwrite", function (store) { store.clear(); })
    ]);
  }

  scope.HomeslotQueue = { add: add, flush: flush, pending: pending, takeOutcomes: takeOutcomes, forget: forget, TAG: "m-send" };
})(self);
