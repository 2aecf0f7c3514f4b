/* The mothers' app: small additions on top of pages that work without JavaScript.
   Live updates over /ws/, countdowns, the offline notice, drafts kept on the phone, photos made
   smaller before upload, labelling one item at a time. No library, no build step. */
(function () {
  "use strict";
  var body = document.body;
  var S = JSON.parse(document.getElementById("m-strings").textContent);
  var page = body.getAttribute("data-page");

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }
  function store(key, value) {
    try { if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }
  function stored(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }

  // --- offline notice and the service worker -----------------------------------------------
  var fromCache = body.getAttribute("data-offline") === "1";
  function showOffline(off) { body.setAttribute("data-offline", off || fromCache ? "1" : "0"); }
  window.addEventListener("offline", function () { showOffline(true); });
  window.addEventListener("online", function () { showOffline(false); });
  if (!navigator.onLine) showOffline(true);
  // Back to a page the browser kept whole (the back-forward cache): it shows a moment ago, not now.
  window.addEventListener("pageshow", function (event) { if (event.persisted && navigator.onLine) location.reload(); });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/m/sw.js", { scope: "/m/" }).catch(function () {});
  }
  var signout = document.getElementById("signout");
  function forgetDrafts() {
    // Her unsent texts and labels are hers too: not for whoever signs in next on this phone; nor
    // what waits to be sent (mother_queue.js).
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var name = localStorage.key(i);
        if (/^m-(draft|labels)-/.test(name)) localStorage.removeItem(name);
      }
    } catch (e) { /* private mode */ }
  }
  if (signout) {
    // A shared phone: what she saw must not stay in the cache after she signs out.
    signout.addEventListener("submit", function (event) {
      forgetDrafts();
      if (!window.caches && !stored("m-queue")) return;
      event.preventDefault();
      var kept = window.caches ? caches.keys().then(function (keys) {
        return Promise.all(keys.map(function (key) { return caches.delete(key); }));
      }) : Promise.resolve();
      var queued = stored("m-queue") ? withQueue().then(function (q) { store("m-queue", null); return q.forget(); }) : Promise.resolve();
      Promise.all([kept.catch(function () {}), queued.catch(function () {})]).then(function () { signout.submit(); });
    });
  }

  // --- tapped offline: 领一个 and 交活 wait on the phone and go out when she is back online ---------
  // The queue's script (mother_queue.js) is read only when needed: a tap offline, back online, or
  // something kept from before (the "m-queue" mark), so the hall's first load stays light.
  var Q = null, queueLoading = null;
  function withQueue() {
    if (Q) return Promise.resolve(Q);
    if (!queueLoading) {
      queueLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = body.getAttribute("data-queue-src");
        script.onload = function () { Q = window.HomeslotQueue; resolve(Q); };
        script.onerror = function () { queueLoading = null; reject(new Error("queue")); };
        document.head.appendChild(script);
      });
    }
    return queueLoading;
  }
  var outbox = document.getElementById("outbox");
  function line(text, href) {
    var p = document.createElement("p");
    p.textContent = text;
    if (href) {
      var a = document.createElement("a");
      a.href = href;
      a.className = "tap";
      a.textContent = " " + S.openClaim;
      p.appendChild(a);
    }
    return p;
  }
  function said(outcome) {
    var t = { t: outcome.title || "" };
    if (outcome.ok && outcome.what === "claim") return line(fill(S.sentClaim, t), "/m/claims/" + outcome.claim + "/");
    if (outcome.ok) return line(fill(S.sentSubmit, t));
    if (outcome.code === "task_already_claimed" || outcome.code === "no_task_available") return line(fill(S.lostClaim, t));
    return line(fill(S.notSent, { t: outcome.title || "", m: outcome.message || outcome.status }));
  }
  function showOutbox() {
    if (!Q || !outbox) return Promise.resolve();
    return Promise.all([Q.pending(), Q.takeOutcomes()]).then(function (both) {
      var waiting = both[0], answers = both[1];
      if (!waiting.length) store("m-queue", null); // nothing left to send: no need to read the queue next time
      if (!waiting.length && !answers.length) return;
      outbox.textContent = "";
      answers.forEach(function (outcome) { outbox.appendChild(said(outcome)); });
      waiting.forEach(function (entry) {
        outbox.appendChild(line(fill(entry.what === "claim" ? S.queuedClaim : S.queuedSubmit, { t: entry.title || "" })));
      });
      outbox.hidden = false;
      outbox.setAttribute("data-waiting", waiting.length);
      if (answers.length) refreshAll();
    }).catch(function () {});
  }
  function sendWaiting() {
    if (!stored("m-queue")) return Promise.resolve();
    return withQueue().then(function () {
      if (!navigator.onLine) return showOutbox();
      return Q.flush(csrfNow()).catch(function () {}).then(showOutbox);
    }).catch(function () {});
  }
  function refusedHere(form) {
    // What the page itself refuses (too many pieces or photos) is not queued: she is told now.
    var pieces = $("input[name=completed_units]", form), photos = $("input[type=file]", form);
    var most = pieces && Number(pieces.getAttribute("max"));
    return !!((most && Number(pieces.value) > most) || (photos && photos.files.length > 3));
  }
  function csrfNow() {
    // The token of this page (a new sign-in changes it), not the one kept with an entry from before.
    var input = $("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function queueForm(form) {
    var data = new FormData(form), labels = {}, parts = [], files = false;
    data.forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken" || name === "handed_in_after" || name === "after") return;
      if (/^label-/.test(name)) labels[name.slice(6)] = value;
      else if (value instanceof File) { if (value.size) { parts.push([name, value, value.name]); files = true; } }
      else parts.push([name, value]);
    });
    var entry = {
      url: form.getAttribute("data-api"),
      what: form.getAttribute("data-queue"),
      title: form.getAttribute("data-title"),
      claim: form.getAttribute("data-claim"),
      csrf: data.get("csrfmiddlewaretoken")
    };
    if (entry.what === "claim") entry.json = { slot: Number(data.get("slot")) };
    else if (Object.keys(labels).length) entry.json = { labels: labels };
    else if (files) entry.parts = parts;
    else {
      entry.json = {};
      parts.forEach(function (part) { entry.json[part[0]] = part[0] === "completed_units" ? Number(part[1]) : part[1]; });
    }
    store("m-queue", "1");
    return Q.add(entry).then(function () {
      if (navigator.serviceWorker && navigator.serviceWorker.ready) {
        navigator.serviceWorker.ready.then(function (reg) { if (reg.sync) return reg.sync.register(Q.TAG); }).catch(function () {});
      }
      $$("button", form).forEach(function (button) { button.disabled = true; });
      return showOutbox();
    });
  }
  if (window.indexedDB) {
    $$("main form[data-queue]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (navigator.onLine) return; // online: the form goes as it always does
        if (refusedHere(form)) return; // (the assembly checks below say why, in her words)
        event.preventDefault();
        event.stopImmediatePropagation();
        if (form.getAttribute("data-queued")) return; // one tap, one entry
        form.setAttribute("data-queued", "1");
        withQueue().then(function () { return queueForm(form); }).catch(function () { form.removeAttribute("data-queued"); });
      });
    });
    window.addEventListener("online", sendWaiting);
    if (navigator.serviceWorker) {
      navigator.serviceWorker.addEventListener("message", function (message) {
        if (message.data && message.data.type === "m-queue") withQueue().then(showOutbox).catch(function () {});
      });
    }
    sendWaiting();
  }

  // --- asked first: a form that cannot be undone with one tap (giving a task back) ---------------
  $$("main form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    });
  });

  // --- no double taps on a form that changes something ------------------------------------
  $$("main form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
      setTimeout(function () { form.removeAttribute("data-sent"); }, 8000); // a dropped connection: let her retry
    });
  });

  // --- countdowns ---------------------------------------------------------------------------
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    $$("[data-deadline]").forEach(function (el) {
      var left = Math.floor((Date.parse(el.getAttribute("data-deadline")) - Date.now()) / 1000);
      if (isNaN(left)) return;
      if (left <= 0) el.textContent = S.timeUp;
      else if (left >= 86400) el.textContent = fill(S.dLeft, { d: Math.floor(left / 86400), h: Math.floor(left % 86400 / 3600) });
      else if (left >= 3600) el.textContent = fill(S.hLeft, { h: Math.floor(left / 3600), m: two(Math.floor(left % 3600 / 60)) });
      else el.textContent = fill(S.mLeft, { m: Math.floor(left / 60), s: two(left % 60) });
    });
  }
  tick();
  setInterval(tick, 1000);

  // --- re-reading parts of the page (the socket is a hint; the page is the truth) ------------
  var refreshTimer = null, refreshIds = {};
  function refresh(ids, then) {
    ids.forEach(function (id) { refreshIds[id] = true; });
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      var wanted = Object.keys(refreshIds);
      refreshIds = {};
      fetch(location.href, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        drawnAt = Math.max(drawnAt, parseInt(fresh.body.getAttribute("data-latest") || "0", 10) || 0);
        wanted.forEach(function (id) {
          var now = document.getElementById(id), next = fresh.getElementById(id);
          if (now && next) now.replaceWith(document.importNode(next, true));
        });
        tick();
        if (then) then();
      }).catch(function () {});
    }, 250);
  }

  // --- the live feed ------------------------------------------------------------------------------
  var lastId = parseInt(body.getAttribute("data-latest") || "0", 10) || 0;
  var drawnAt = lastId; // the newest event the page's parts were drawn with (re-read parts move it on)
  // "complete": the server's word that every event up to it has reached this page; a resume starts
  // there, so an event the socket had not been given before it dropped is replayed (seen drops repeats).
  var complete = lastId;
  var seen = {}, socket = null, wait = 1000, caughtUpTo = 0, started = false;
  var follow = (body.getAttribute("data-follow") || "").split(",").filter(Boolean).map(Number);

  function send(message) { if (socket && socket.readyState === 1) socket.send(JSON.stringify(message)); }

  function connect() {
    if (!window.WebSocket) return;
    socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/");
    socket.onopen = function () { wait = 1000; };
    socket.onmessage = function (message) {
      var m;
      try { m = JSON.parse(message.data); } catch (e) { return; }
      if (m.type === "ready") {
        follow.forEach(function (id) { send({ type: "follow", project: id }); });
        // Both the first time (the page was drawn as of data-latest) and after a reconnect.
        send({ type: "resume", after: Math.min(lastId, complete) });
        started = true;
      } else if (m.type === "batch") {
        (m.events || []).forEach(event);
      } else if (m.type === "heartbeat") {
        if (typeof m.complete === "number") complete = m.complete;
        if (started && m.latest > lastId) { caughtUpTo = m.latest; send({ type: "resume", after: lastId }); }
      } else if (m.type === "resumed") {
        lastId = Math.max(lastId, m.latest || 0, caughtUpTo);
      } else if (m.type === "resync") {
        refreshAll();
      } else if (typeof m.id === "number" && m.type.indexOf(".") > 0) {
        event(m);
      }
    };
    socket.onclose = function () {
      socket = null;
      setTimeout(connect, wait);
      wait = Math.min(wait * 2, 30000);
    };
  }

  function event(ev) {
    if (seen[ev.id]) return;
    seen[ev.id] = true;
    if (ev.id > lastId) lastId = ev.id;
    var handle = handlers[page];
    if (handle) handle(ev.type, ev.data || {}, ev.id);
  }

  function refreshAll() {
    var ids = { hall: ["hall"], claims: ["live-claims", "results"], earnings: ["earnings"], growth: ["growth"] }[page];
    if (ids) refresh(ids, page === "hall" ? clearNew : null);
  }
  // The hall re-read counts every task there is now: none is new any more.
  function clearNew() { newTasks = {}; showNewBar(); }

  var newTasks = {};
  var handlers = {
    hall: function (type, data, id) {
      if (type === "task.claimed") {
        // One card per project: one fewer left, and the card goes with the last one. An event the
        // page was drawn with (a resume replays from before it) is already in its count.
        var card = document.getElementById("project-" + data.project);
        if (card && !newTasks[data.task] && id > drawnAt) {
          var left = (parseInt(card.getAttribute("data-left"), 10) || 1) - 1;
          card.setAttribute("data-left", left);
          if (left <= 0) card.remove();
          else $("[data-count]", card).textContent = fill(S.tasksLeft, { n: left });
        }
        delete newTasks[data.task];
        showNewBar();
      } else if ((type === "task.opened" || type === "task.released") && id > drawnAt) {
        (data.tasks || [data.task]).forEach(function (task) { if (task) newTasks[task] = true; });
        showNewBar();
      } else if (type === "skill.level_changed") {
        refresh(["hall"], clearNew); // work her new level opens (or closes) changes its lock in place
      }
    },
    growth: function (type, data) {
      // Her level moved, or she was told it will: the section is re-read, never patched by hand.
      if (type === "skill.level_changed" || (type === "notice.created" && /^level_/.test(data.kind || ""))) {
        refresh(["growth"]);
      }
    },
    claims: function (type) {
      if (/^(review\.decided|notice\.created|claim\.expired|submission\.created|task\.released|task\.claimed)$/.test(type)) {
        refresh(["live-claims", "results"]);
      }
    },
    earnings: function (type) {
      if (type === "ledger.credited" || type === "payout.paid") refresh(["earnings"]);
    }
  };

  // New tasks wait behind a bar instead of moving the list under her thumb.
  var bar = document.getElementById("newbar");
  function showNewBar() {
    if (!bar) return;
    var n = Object.keys(newTasks).length;
    bar.hidden = n === 0;
    bar.textContent = fill(S.newTasks, { n: n });
  }
  if (bar) {
    bar.addEventListener("click", function () {
      refresh(["hall"], function () {
        clearNew();
        window.scrollTo(0, 0);
      });
    });
  }
  if (handlers[page]) connect();

  // --- task hall filters: change and see ------------------------------------------------------------
  var filters = document.getElementById("filters");
  if (filters) {
    // Each choice applies at once: the 查看 button is only for phones without JavaScript.
    $$("[data-js-hides]", filters).forEach(function (button) { button.hidden = true; });
    $$("select, input", filters).forEach(function (input) {
      input.addEventListener("change", function () { filters.submit(); });
    });
  }

  // --- her week: day presets, one more line when she needs it ---------------------------------------
  var week = document.getElementById("week");
  if (week) {
    $$(".preset", week).forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var days = button.getAttribute("data-days").split(",");
        $$("input[type=checkbox]", button.closest("fieldset")).forEach(function (box) {
          box.checked = days.indexOf(box.value) >= 0;
        });
      });
    });
    var rows = $$(".week-row", week), shownEmpty = false;
    rows.forEach(function (row) {
      var empty = !$$("input[type=checkbox]", row).some(function (b) { return b.checked; }) &&
        !$$("input[type=time]", row).some(function (t) { return t.value; });
      if (empty && shownEmpty && !$(".errorlist", row)) row.hidden = true;
      if (empty) shownEmpty = true;
    });
    var add = document.getElementById("add-row");
    if (add && rows.some(function (r) { return r.hidden; })) {
      add.hidden = false;
      add.addEventListener("click", function () {
        var next = rows.filter(function (r) { return r.hidden; })[0];
        if (next) next.hidden = false;
        if (!rows.some(function (r) { return r.hidden; })) add.hidden = true;
      });
    }
  }

  // --- her payout account: the "get a code" button ---------------------------------------------------
  var codeButton = document.getElementById("send-code");
  if (codeButton) {
    var codeStatus = document.getElementById("code-status");
    codeButton.hidden = false;
    var wait = function (seconds) {
      codeButton.disabled = true;
      var timer = setInterval(function () {
        seconds -= 1;
        codeButton.textContent = fill(S.codeAgain, { s: seconds });
        if (seconds <= 0) {
          clearInterval(timer);
          codeButton.disabled = false;
          codeButton.textContent = codeButton.getAttribute("data-label");
        }
      }, 1000);
    };
    codeButton.setAttribute("data-label", codeButton.textContent);
    codeButton.addEventListener("click", function () {
      var csrf = $("input[name=csrfmiddlewaretoken]", codeButton.form);
      codeButton.disabled = true;
      fetch(codeButton.getAttribute("data-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
        body: JSON.stringify({ phone: codeButton.getAttribute("data-phone"), purpose: codeButton.getAttribute("data-purpose") })
      }).then(function (response) {
        if (response.status === 202 || response.status === 200) {
          codeStatus.textContent = fill(S.codeSent, { p: codeButton.getAttribute("data-masked") });
          wait(60);
        } else {
          return response.json().then(function (data) {
            codeStatus.textContent = (data && data.error && data.error.message) || S.codeFailed;
            codeButton.disabled = false;
          });
        }
      }).catch(function () {
        codeStatus.textContent = S.codeFailed;
        codeButton.disabled = false;
      });
    });
  }

  // --- handing in -----------------------------------------------------------------------------------
  var form = document.getElementById("submit-form");
  var claimId = form && form.getAttribute("data-claim");
  var kind = form && form.getAttribute("data-kind");

  // What was handed in no longer needs a draft on the phone.
  var done = $("[data-submitted]");
  if (done && done.getAttribute("data-submitted")) {
    store("m-draft-" + done.getAttribute("data-submitted"), null);
    store("m-labels-" + done.getAttribute("data-submitted"), null);
  }

  if (kind === "copywriting") {
    var text = $("textarea", form), note = document.getElementById("draft-note");
    var key = "m-draft-" + claimId, draft = stored(key);
    // A draft is what she typed last and did not get to hand in: newer than what the page holds.
    if (draft && draft !== text.value) {
      text.value = draft;
      if (note) note.textContent = S.draftRestored;
    }
    var saveTimer = null;
    text.addEventListener("input", function () {
      clearTimeout(saveTimer);
      saveTimer = setTimeout(function () { store(key, text.value); }, 300);
      countChars();
    });
    // 字数 as the server counts it (tasks/writing.py): characters without spaces and line breaks.
    var counter = document.getElementById("char-count");
    var countChars = function () {
      if (!counter) return;
      var n = Array.from(text.value.replace(/\s/g, "")).length;
      var low = parseInt(counter.getAttribute("data-min"), 10), high = parseInt(counter.getAttribute("data-max"), 10);
      var words = counter.getAttribute("data-words-count");
      if (!isNaN(low) && n < low) words = counter.getAttribute("data-words-short");
      else if (!isNaN(high) && n > high) words = counter.getAttribute("data-words-long");
      counter.textContent = words.replace("{n}", n).replace("{min}", low).replace("{max}", high);
      counter.className = (!isNaN(low) && n < low) || (!isNaN(high) && n > high) ? "msg warning" : "muted";
    };
    countChars();
    form.addEventListener("submit", function () { store(key, text.value); });
  }

  if (kind === "assembly") {
    var input = document.getElementById("photos"), photoNote = document.getElementById("photo-note");
    var ready = false;
    var pieces = form.querySelector("input[name=completed_units]");
    form.addEventListener("submit", function (ev) {
      // More pieces than the batch: said here, in her words, so the photos she chose stay chosen.
      var typed = Number(pieces && pieces.value), most = Number(pieces && pieces.getAttribute("max"));
      if (pieces && most && typed > most) {
        ev.preventDefault();
        ev.stopImmediatePropagation();
        form.removeAttribute("data-sent");
        var said = document.getElementById("pieces-error") || document.createElement("p");
        said.id = "pieces-error";
        said.className = "msg error";
        said.setAttribute("role", "alert");
        said.textContent = pieces.getAttribute("data-over").replace("{n}", pieces.value);
        pieces.insertAdjacentElement("afterend", said);
        pieces.focus();
        return;
      }
      if (ready || !input.files.length || !window.DataTransfer || !window.HTMLCanvasElement) return;
      ev.preventDefault();
      if (input.files.length > 3) {
        photoNote.textContent = S.tooManyPhotos;
        form.removeAttribute("data-sent");
        return;
      }
      photoNote.textContent = S.preparingPhotos;
      Promise.all(Array.prototype.map.call(input.files, shrink)).then(function (files) {
        var list = new DataTransfer();
        files.forEach(function (file) { list.items.add(file); });
        input.files = list.files;
      }).catch(function () { /* send the originals: the server checks and shrinks them too */ }).then(function () {
        ready = true;
        photoNote.textContent = S.sending;
        form.submit();
      });
    });
  }

  function shrink(file) {
    // About 1600 px on the longest side, JPEG: a 4 MB photo becomes ~300 KB on a slow network.
    return new Promise(function (resolve, reject) {
      var img = new Image(), url = URL.createObjectURL(file);
      img.onload = function () {
        var scale = Math.min(1, 1600 / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(img.naturalWidth * scale);
        canvas.height = Math.round(img.naturalHeight * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) {
          if (!blob) return reject(new Error("encode"));
          resolve(new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" }));
        }, "image/jpeg", 0.85);
      };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("decode")); };
      img.src = url;
    });
  }

  if (kind === "labelling") {
    var items = $$("fieldset.item", form);
    var progress = document.getElementById("label-progress");
    var back = document.getElementById("label-back");
    var labelsKey = "m-labels-" + claimId;
    var saved = {};
    try { saved = JSON.parse(stored(labelsKey) || "{}") || {}; } catch (e) { saved = {}; }
    items.forEach(function (item) {
      var choice = saved[item.getAttribute("data-item")];
      if (!choice) return;
      $$("input", item).forEach(function (radio) { if (radio.value === choice && !$("input:checked", item)) radio.checked = true; });
    });
    var current = 0;
    function answered(item) { return !!$("input:checked", item); }
    function mark(item) {
      // A class rather than :has(), which older phone browsers do not know.
      $$("label", item).forEach(function (label) { label.classList.toggle("on", $("input", label).checked); });
    }
    items.forEach(mark);
    function show(index) {
      current = Math.max(0, Math.min(index, items.length - 1));
      items.forEach(function (item, i) { item.classList.toggle("current", i === current); });
      progress.textContent = items.filter(answered).length + "/" + items.length;
    }
    form.classList.add("one-by-one");
    progress.hidden = false;
    document.getElementById("label-keys").hidden = false;
    document.getElementById("label-nav").hidden = false;
    var firstOpen = items.findIndex(function (item) { return !answered(item); });
    show(firstOpen < 0 ? items.length - 1 : firstOpen);
    function next() {
      var after = items.findIndex(function (item, i) { return i > current && !answered(item); });
      if (after < 0) after = items.findIndex(function (item) { return !answered(item); });
      show(after < 0 ? current : after);
      if (after < 0) document.getElementById("submit-button").focus();
    }
    form.addEventListener("change", function (ev) {
      if (ev.target.type !== "radio") return;
      var item = ev.target.closest("fieldset.item");
      mark(item);
      saved[item.getAttribute("data-item")] = ev.target.value;
      store(labelsKey, JSON.stringify(saved));
      setTimeout(next, 150);
    });
    back.addEventListener("click", function () { show(current - 1); });
    document.addEventListener("keydown", function (ev) {
      if (ev.target.tagName === "INPUT" && ev.target.type === "text") return;
      if (ev.key >= "1" && ev.key <= "9") {
        var radio = $$("input", items[current])[Number(ev.key) - 1];
        if (radio) { radio.checked = true; radio.dispatchEvent(new Event("change", { bubbles: true })); }
      } else if (ev.key === "ArrowLeft" || ev.key === "Backspace") {
        ev.preventDefault();
        show(current - 1);
      } else if (ev.key === "ArrowRight") {
        show(current + 1);
      }
    });
  }
})();
