/* The supervisors' workspace: live updates over /ws/ and review keys. Small, hand-written, no build.
   Everything here only improves pages that already work without it. */
(function () {
  "use strict";

  // --- confirmations (closing a project, removing a colleague, a reversal on finance's pages) ---
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  var root = document.querySelector(".workspace");
  if (!root) return;

  // --- a form is sent once: a double click does not send it twice (the server copes anyway) ----
  // (not a download: its answer is a file, the page stays, and she may want another one)
  root.querySelectorAll("form[method=post]:not([data-download])").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) return;
      if (form.hasAttribute("data-sent")) { event.preventDefault(); return; }
      form.setAttribute("data-sent", "");
    });
  });
  window.addEventListener("pageshow", function (event) {  // back to a page kept in memory: send again
    if (event.persisted) root.querySelectorAll("form[data-sent]").forEach(function (f) { f.removeAttribute("data-sent"); });
  });

  // --- the project form: show the fields of the chosen kind of work ---------------------------
  var kind = root.querySelector("select[name=kind]");
  function showKind() {
    root.querySelectorAll("fieldset[data-kind]").forEach(function (set) {
      set.hidden = set.getAttribute("data-kind") !== kind.value;
    });
  }
  if (kind) { kind.addEventListener("change", showKind); showKind(); }

  // --- live: one socket, follow this page's project, resume after a reconnect -----------------
  var followed = root.getAttribute("data-follow");
  var lastId = null;
  var socket = null;
  var retry = 0;
  var refreshTimer = null;
  var RELEVANT = ["task.opened", "task.claimed", "task.released", "claim.expired", "submission.created",
    "review.decided", "project.progress"];

  function say(state) {
    root.setAttribute("data-live-state", state);
    var line = document.getElementById("live-state");
    if (line) line.textContent = line.getAttribute("data-state-" + state) || "";
  }

  function scheduleRefresh() {
    // Events come in bursts; one re-read shortly after the last of them is enough.
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, 200);
  }

  function refresh() {
    var fragment = document.querySelector("[data-fragment]");
    if (fragment) {
      fetch(fragment.getAttribute("data-fragment"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null) fragment.innerHTML = html; });
    }
    fetch("/work/review/count", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) return;
        var badge = document.getElementById("queue-count");
        if (badge) badge.textContent = body.waiting;
        if (root.hasAttribute("data-queue-empty") && body.waiting > 0) window.location.reload();
      });
  }

  function handle(message) {
    if (typeof message.id === "number") {
      if (lastId === null || message.id > lastId) lastId = message.id;
    }
    if (RELEVANT.indexOf(message.type) === -1) return;
    var project = message.data && message.data.project;
    if (!followed || String(project) === followed || message.type === "submission.created" ||
        message.type === "review.decided") {
      scheduleRefresh();
    }
  }

  function connect() {
    if (!("WebSocket" in window) || !root.hasAttribute("data-live")) return;
    say("connecting");
    socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/");
    socket.onmessage = function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (message.type === "ready") {
        retry = 0;
        if (followed) socket.send(JSON.stringify({ type: "follow", project: Number(followed) }));
        if (lastId === null) {
          lastId = message.latest;
        } else {
          socket.send(JSON.stringify({ type: "resume", after: lastId }));
          scheduleRefresh();
        }
        say("live");
      } else if (message.type === "batch") {
        (message.events || []).forEach(handle);
      } else if (message.type === "heartbeat") {
        if (lastId !== null && message.latest > lastId) socket.send(JSON.stringify({ type: "resume", after: lastId }));
      } else if (message.type === "resync") {
        scheduleRefresh();
      } else {
        handle(message);
      }
    };
    socket.onclose = function () {
      say("offline");
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * Math.pow(2, retry - 1));
    };
  }
  connect();

  // --- review: A accept, P partial, R reject, V revise ----------------------------------------
  var form = document.getElementById("review-form");
  var reasons = document.getElementById("reasons");
  var reason = document.getElementById("reason");
  var chosen = null;
  var LETTERS = { a: "accept", p: "partial", r: "reject", v: "revise" };

  function button(decision) {
    return form && form.querySelector('button[name=decision][value="' + decision + '"]');
  }

  var sending = false;
  function send(decision) {
    var b = button(decision);
    if (!b || sending) return;
    sending = true;
    if (form.requestSubmit) form.requestSubmit(b); else b.click();
  }

  function choose(decision) {
    chosen = decision;
    form.querySelectorAll("button[name=decision]").forEach(function (b) {
      b.classList.toggle("chosen", b.value === decision);
    });
    reasons.querySelectorAll(".reason-group").forEach(function (group) {
      group.hidden = group.getAttribute("data-for") !== decision;
    });
  }

  if (form && reasons && reason) {
    reasons.hidden = false;
    reasons.querySelectorAll("button").forEach(function (b) {
      b.addEventListener("click", function () {
        reason.value = b.getAttribute("data-text");
        choose(b.getAttribute("data-decision"));
      });
    });
    form.querySelectorAll(".item input").forEach(function (box) {
      box.addEventListener("change", function () {
        box.parentElement.classList.toggle("off", !box.checked);
        var ticked = document.getElementById("items-ticked");
        if (ticked) ticked.textContent = form.querySelectorAll(".item input:checked").length;
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.metaKey || event.repeat) return;
      var active = document.activeElement;
      var typing = active && /^(TEXTAREA|INPUT|SELECT)$/.test(active.tagName) && active.type !== "checkbox";
      if (event.key === "Enter" && event.ctrlKey && chosen) { event.preventDefault(); send(chosen); return; }
      if (typing) { if (event.key === "Escape") active.blur(); return; }
      if (event.ctrlKey) return;
      var key = event.key.toLowerCase();
      if (/^[1-9]$/.test(key)) {
        var pick = chosen && reasons.querySelector('button[data-decision="' + chosen + '"][data-number="' + key + '"]');
        if (pick) { event.preventDefault(); reason.value = pick.getAttribute("data-text"); }
        return;
      }
      var decision = LETTERS[key];
      if (!decision || !button(decision)) return;
      event.preventDefault();
      if (decision === "accept" || decision === chosen) send(decision); else choose(decision);
    });
  }
  // --- the project form: the pay against the region's minimum hourly wage, as the numbers are typed ---
  var floorCheck = document.getElementById("floor-check");
  if (floorCheck) {
    var floors = JSON.parse(document.getElementById("floors").textContent);
    var field = function (name) { return document.querySelector("[name=" + name + "]"); };
    var bare = function (region) { return region.replace(/[市省]+$/, ""); };
    var floorFor = function (region) {
      // The most specific region named (a city before its province), as fairwork.selectors.floor_for.
      var found = floors.filter(function (f) { return region && region.indexOf(bare(f.region)) >= 0; });
      found.sort(function (a, b) {
        var city = (/省$/.test(a.region) ? 0 : 1) - (/省$/.test(b.region) ? 0 : 1);
        return city || a.region.length - b.region.length;
      });
      return found.length ? found[found.length - 1] : null;
    };
    var fillIn = function (text, values) {
      return text.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
    };
    var check = function () {
      var rate = parseFloat(field("piece_rate").value), minutes = parseFloat(field("minutes_per_unit").value);
      if (!(rate > 0) || !(minutes > 0)) { floorCheck.hidden = true; return; }
      var pay = rate * 60 / minutes, floor = floorFor((field("region").value || "").trim());
      var values = { pay: pay.toFixed(2) };
      var kind = "unknown";
      if (floor) {
        var hourly = parseFloat(floor.yuan_per_hour);
        values.floor = floor.yuan_per_hour;
        values.region = floor.region;
        values.rate = (Math.ceil(hourly * minutes / 60 * 10000) / 10000).toString();
        kind = pay + 1e-9 < hourly ? "below" : "ok";
      }
      floorCheck.textContent = fillIn(floorCheck.getAttribute("data-" + kind), values);
      floorCheck.className = "msg " + (kind === "below" ? "warning" : kind === "ok" ? "ok" : "");
      floorCheck.hidden = false;
    };
    ["piece_rate", "minutes_per_unit", "region"].forEach(function (name) {
      var input = field(name);
      if (input) { input.addEventListener("input", check); input.addEventListener("change", check); }
    });
    check();
  }
  // --- the navigation's company switcher: a choice applies at once --------------------------------
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    var button = select.form.querySelector("[data-js-hides]");
    if (button) button.hidden = true;
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
