/* The cadre's round, offline first (docs/cadre-offline.md).
 *
 * Every result goes into an IndexedDB outbox with a client-made UUID, then to
 * POST /api/v1/stops/{id}/events with that UUID as Idempotency-Key; the server applies each
 * key once, so sending again after a lost answer is safe. Whether the server can be reached is
 * judged by real requests with a time-out (navigator.onLine is true on a signal that carries
 * nothing): a failed try is retried after 2, 4, 8, then every 15 s, and at once when the
 * signal returns, the page comes back to the front or a new result is recorded.
 * Pickup codes are checked on the phone against salted hashes; wrong ones are refused on the
 * spot and still sent, so that the server counts them toward its limit. Nothing in the outbox
 * is thrown away at sign-out without asking twice.
 */
(function () {
  "use strict";
  var DB_NAME = "cunzhan-outbox";
  var STORE = "events";
  var PROBE_TIMEOUT_MS = 4000;
  var UPLOAD_TIMEOUT_MS = 15000;
  var RETRY_MS = [2000, 4000, 8000, 15000];
  var WRONG_CODES_ALLOWED = 5;
  var WRONG_CODE_WINDOW_MS = 15 * 60 * 1000;
  var LAST_SYNC_KEY = "cunzhan-last-sync";
  var root = document.getElementById("cadre");
  if (!root) { return; }
  var T = JSON.parse(document.getElementById("cadre-text").textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var user = root.dataset.user;
  var clock = new Intl.DateTimeFormat(document.documentElement.lang, {
    hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Shanghai"
  });
  var sync = { running: null, failures: 0, timer: null, lastTry: null, signedOut: false, left: false };

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, name) { return String(values[name]); });
  }
  function hhmm(ms) { return clock.format(new Date(ms)); }

  /* --- the outbox ------------------------------------------------------------------ */

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  /* One short transaction per call, closed at once so that sign-out can delete the database. */
  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  /* This account's items, oldest first (another account's items wait for that account). */
  function ownItems() {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (items) {
      return (items || []).filter(function (item) { return !item.userId || item.userId === user; })
        .sort(function (a, b) { return a.createdAt - b.createdAt; });
    });
  }
  function putItem(item) { return withStore("readwrite", function (store) { store.put(item); }); }
  function deleteItem(key) { return withStore("readwrite", function (store) { store.delete(key); }); }

  /* --- what each stop shows -------------------------------------------------------- */

  function stopElement(stopId) { return document.getElementById("stop-" + stopId); }
  function stopsOf(list) { return Array.prototype.slice.call(list.querySelectorAll(":scope > li.stop")); }

  /* What the phone holds for a stop: the results recorded here and not yet uploaded. */
  function recordedFor(items, stopId) {
    var recorded = {};
    items.forEach(function (item) { if (item.stopId === stopId) { recorded[item.body.type] = item.body; } });
    return recorded;
  }

  function isOpen(element, recorded) {
    var status = element.dataset.status;
    if (status === "failed" || status === "skipped" || recorded.failed) { return false; }
    var parcelsLeft = Number(element.dataset.parcels) > 0 && status === "pending" && !recorded.delivered;
    var produceLeft = element.dataset.produce === "1" && !recorded.collected;
    var visitLeft = element.dataset.tasks === "1" && !recorded.visited;
    return parcelsLeft || produceLeft || visitLeft;
  }

  function recordedText(recorded) {
    if (recorded.failed) { return fill(T.recorded.failed, { reason: T.reasons[recorded.failed.reason] }); }
    if (recorded.collected) { return fill(T.recorded.collected, { kg: recorded.collected.weight_g / 1000 }); }
    if (recorded.delivered && recorded.delivered.photo) {
      return fill(T.recorded.photo, { name: recorded.delivered.handed_to });
    }
    if (recorded.delivered) { return T.recorded.delivered; }
    if (recorded.visited) { return T.recorded.visited; }
    if (recorded.moved) { return T.recorded.moved; }
    return "";
  }

  /* Show one stop: its state, what the phone recorded, and only the forms still to do. */
  function renderStop(element, items) {
    var stopId = Number(element.dataset.stopId);
    var recorded = recordedFor(items, stopId);
    var results = recorded.delivered || recorded.failed || recorded.collected || recorded.visited;
    var status = element.dataset.status;
    element.classList.remove("stop-pending", "stop-delivered", "stop-failed", "stop-skipped", "stop-waiting");
    element.classList.add("stop-" + (results ? "waiting" : status));
    element.querySelector("[data-state]").textContent = T.states[results ? "waiting" : status] || status;
    var note = element.querySelector("[data-recorded]");
    // Nothing waiting here: a stop not delivered still says why (the server's reason).
    var why = status === "failed" && element.dataset.reason ? T.reasons[element.dataset.reason] : "";
    note.textContent = recordedText(recorded) || why || "";
    note.hidden = !note.textContent;
    var open = isOpen(element, recorded);
    element.dataset.open = open ? "1" : "0";
    var delivery = element.querySelector('form[data-type="delivered"]');
    if (delivery) { delivery.hidden = !(status === "pending" && !recorded.delivered); }
    var photo = element.querySelector('form[data-type="photo"]');
    if (photo && (!delivery || delivery.hidden)) { photo.hidden = true; }
    var collect = element.querySelector('form[data-type="collected"]');
    if (collect) { collect.hidden = !(element.dataset.produce === "1" && !recorded.collected); }
    var visit = element.querySelector('form[data-type="visited"]');
    if (visit) { visit.hidden = !(element.dataset.tasks === "1" && !recorded.visited); }
    labelNotDone(element, status === "pending" && !recorded.delivered, recorded);
  }

  /* The not-done form names what is left (the page's rule): once the parcels are handed over
   * it is about the produce or the visit, not 未送达. */
  function labelNotDone(element, toDeliver, recorded) {
    var form = element.querySelector('form[data-type="failed"]');
    if (!form) { return; }
    var produce = element.dataset.produce === "1" && !recorded.collected;
    var visitOnly = !(toDeliver && Number(element.dataset.parcels) > 0) && !produce;
    var words = T.not_done[visitOnly ? "visit" : (toDeliver ? "delivery" : "produce")];
    form.querySelector("label").textContent = words[0];
    form.querySelector("button").textContent = words[1];
  }

  /* The first open stop is the next one (shown large), the other open ones a short list,
   * the done ones a line each. */
  function renderAll(items) {
    var next = null;
    document.querySelectorAll("li.stop").forEach(function (element) {
      renderStop(element, items);
      var open = element.dataset.open === "1";
      var isNext = open && !next;
      if (isNext) { next = element; }
      element.classList.toggle("is-next", isNext);
      element.classList.toggle("is-later", open && !isNext);
      element.classList.toggle("is-done", !open);
    });
  }

  /* A message on the stop; a refusal for a stop no longer on the page (its round was planned
   * again) goes above the round, so that it is never lost without a word. */
  function say(stopId, message, isError) {
    var element = stopElement(stopId);
    if (!element && !isError) { return; }
    var note = element ? element.querySelector("[data-message]") : document.getElementById("outbox-note");
    note.textContent = message || "";
    note.className = isError ? "message error" : "message";
    note.hidden = !message;
  }

  function refresh() {
    return ownItems().then(function (items) { renderAll(items); showSync(items.length); return items; });
  }

  /* --- the truth about the signal --------------------------------------------------- */

  function showSync(count) {
    var text;
    var last = Number(localStorage.getItem(LAST_SYNC_KEY)) || 0;
    if (sync.signedOut) {
      text = fill(T.sign_in_again, { n: count });
    } else if (count && sync.running) {
      text = fill(T.uploading, { n: count });
    } else if (count) {
      text = fill(T.waiting, { n: count, time: hhmm(sync.lastTry || Date.now()) });
    } else {
      text = last ? fill(T.synced, { time: hhmm(last) }) : T.never_synced;
    }
    document.getElementById("sync-state").textContent = text;
    if (!count) { outboxEmptied(); }
    document.getElementById("sign-in-again").hidden = !sync.signedOut;
    var bad = sync.signedOut || (count > 0 && !sync.running) || (!count && sync.failures > 0);
    document.getElementById("netbar").className = bad ? "netbar offline" : "netbar";
  }

  function timedFetch(url, options, timeoutMs) {
    var abort = new AbortController();
    var timer = setTimeout(function () { abort.abort(); }, timeoutMs);
    options.signal = abort.signal;
    options.credentials = "same-origin";
    options.cache = "no-store";
    return fetch(url, options).finally(function () { clearTimeout(timer); });
  }

  function send(item) {
    return timedFetch(root.dataset.eventsUrl.replace("{id}", String(item.stopId)), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": item.key, "X-CSRFToken": csrf },
      body: JSON.stringify(item.body)
    }, UPLOAD_TIMEOUT_MS);
  }

  function markSynced() {
    sync.failures = 0;
    localStorage.setItem(LAST_SYNC_KEY, String(Date.now()));
  }

  /* Settle one answer: applied (or applied before) → done; refused (403, 404, 409, 413, 422,
   * 429) → tell the cadre. Anything else keeps the item: the server failed (5xx), or the
   * session ended or changed (401, or 400 for a stale CSRF token) and the cadre signs in again. */
  function settle(item, response) {
    if (response.status === 401 || response.status === 400) {
      sync.signedOut = true;
      throw new Error("signed out");
    }
    if (response.status >= 500 || response.status === 408) { throw new Error("server error"); }
    return response.json().catch(function () { return {}; }).then(function (answer) {
      var type = item.body.type;
      var stop = response.status === 201 ? answer.stop : (answer.error || {}).stop;
      // A stop planned again answers with the household's stop in the new plan.
      var shownId = stop && stopElement(stop.id) ? stop.id : item.stopId;
      var element = stopElement(shownId);
      if (element && stop) {
        element.dataset.status = stop.status;
        element.dataset.reason = stop.failure_reason || "";
        element.dataset.produce = stop.uplinks.some(function (u) { return u.status === "waiting"; }) ? "1" : "0";
        element.dataset.tasks = stop.tasks.some(function (t) { return t.visited === null; }) ? "1" : "0";
      }
      if (response.status === 201 && (type === "delivered" || type === "failed" || type === "collected" || type === "visited")) {
        say(shownId, type === "collected" ? T.produce_uploaded : T.uploaded);
      } else if (response.status !== 201 && type !== "wrong_code") {
        var error = answer.error || {};
        say(shownId, fill(T.server_decides, { message: error.message || T.upload_failed }), true);
      }
      return deleteItem(item.key);
    });
  }

  function scheduleRetry() {
    clearTimeout(sync.timer);
    var delay = RETRY_MS[Math.max(0, Math.min(sync.failures - 1, RETRY_MS.length - 1))];
    sync.timer = setTimeout(trySync, delay);
  }

  /* Probe the server with a tiny request; when it answers, upload every item in order. */
  function trySync() {
    if (sync.left) { return Promise.resolve(); }  // signed out here: nothing more to send
    if (sync.running) { return sync.running; }
    clearTimeout(sync.timer);
    sync.lastTry = Date.now();
    sync.running = ownItems().then(function (items) {
      showSync(items.length);
      return timedFetch(root.dataset.pingUrl, { method: "GET" }, PROBE_TIMEOUT_MS).then(function (answer) {
        if (answer.status === 401) { sync.signedOut = true; throw new Error("signed out"); }
        if (!answer.ok) { throw new Error("server error " + answer.status); }
        markSynced();
        flushPendingSignOut();
        return items.reduce(function (chain, item) {
          return chain.then(function () { return send(item).then(function (response) { return settle(item, response); }); });
        }, Promise.resolve()).then(markSynced);
      });
    }).catch(function () {
      sync.failures += 1;
    }).then(function () {
      sync.running = null;
      return refresh();
    }).then(function (items) {
      if (items.length && !sync.signedOut) { scheduleRetry(); }
    });
    return sync.running;
  }

  /* Something suggests the signal is back: try now, from the shortest wait again. */
  function tryNow() { sync.failures = 0; return trySync(); }

  /* --- recording results ---------------------------------------------------------- */

  function queue(stopId, body) {
    var item = { key: crypto.randomUUID(), stopId: stopId, body: body, createdAt: Date.now(), userId: user };
    return putItem(item).then(refresh).then(function () {
      if (sync.running) { return sync.running.then(tryNow); }
      return tryNow();
    });
  }

  function wrongTries(stopId) {
    var now = Date.now();
    var tries = JSON.parse(localStorage.getItem("cunzhan-wrong-" + stopId) || "[]");
    return tries.filter(function (at) { return now - at < WRONG_CODE_WINDOW_MS; });
  }

  /* true / false when the phone can tell, null when it cannot (no hashes, no WebCrypto). */
  function codeIsRight(element, code) {
    var salt = element.dataset.codeSalt;
    var hashes = (element.dataset.codeHashes || "").split(" ");
    if (!salt || !(window.crypto && crypto.subtle)) { return Promise.resolve(null); }
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(salt + code)).then(function (digest) {
      var hex = Array.prototype.map.call(new Uint8Array(digest), function (b) {
        return b.toString(16).padStart(2, "0");
      }).join("");
      return hashes.indexOf(hex) !== -1;
    });
  }

  function refuseCode(element, stopId, code) {
    var tries = wrongTries(stopId).concat([Date.now()]);
    localStorage.setItem("cunzhan-wrong-" + stopId, JSON.stringify(tries));
    var left = WRONG_CODES_ALLOWED - tries.length;
    say(stopId, left > 0 ? fill(T.wrong_code, { left: left }) : T.too_many, true);
    element.querySelector("input[name=pickup_code]").value = "";
    return queue(stopId, { type: "wrong_code", at: new Date().toISOString(), pickup_code: code });
  }

  function deliverWithCode(form, element, stopId) {
    var code = form.elements.pickup_code.value.trim();
    if (!/^\d{6}$/.test(code)) { say(stopId, T.need_code, true); return; }
    if (wrongTries(stopId).length >= WRONG_CODES_ALLOWED) { say(stopId, T.too_many, true); return; }
    codeIsRight(element, code).then(function (right) {
      if (right === false) { return refuseCode(element, stopId, code); }
      say(stopId, "");
      return queue(stopId, { type: "delivered", at: new Date().toISOString(), pickup_code: code });
    });
  }

  function bodyOf(form, type) {
    var body = { type: type, at: new Date().toISOString() };
    if (type === "failed") {
      body.reason = form.elements.reason.value;
      return body;
    }
    if (type === "visited") { return visitBody(form, body); }
    var grams = Math.round(parseFloat(form.elements.weight_kg.value) * 1000);
    if (!(grams > 0 && grams <= 100000)) { return null; }
    body.weight_g = grams;
    return body;
  }

  /* A visit's note, and a request the household raised when its details are filled in. */
  function visitBody(form, body) {
    var note = form.elements.note.value.trim();
    var raised = form.elements.raised_details.value.trim();
    if (note) { body.note = note; }
    if (raised) {
      body.raised_category = form.elements.raised_category.value;
      body.raised_details = raised;
    }
    return body;
  }

  /* A photo from the camera, made small on the phone (longest side 1280 px, JPEG) before it
   * goes into the outbox: a few hundred KB instead of several MB over a weak signal. */
  var PHOTO_SIDE = 1280;
  function compressedPhoto(file) {
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return canvas.toDataURL("image/jpeg", 0.7).split(",")[1];
    });
  }

  function deliverWithPhoto(form, stopId) {
    var name = form.elements.handed_to.value.trim();
    var file = form.elements.photo.files[0];
    if (!name || !file) { say(stopId, T.need_photo, true); return; }
    compressedPhoto(file).then(function (photo) {
      say(stopId, "");
      return queue(stopId, { type: "delivered", at: new Date().toISOString(), photo: photo, handed_to: name });
    }, function () { say(stopId, T.need_photo, true); });
  }

  root.addEventListener("submit", function (event) {
    var form = event.target.closest("form.event");
    if (!form) { return; }
    event.preventDefault();
    var element = form.closest("li.stop");
    var stopId = Number(element.dataset.stopId);
    if (form.dataset.type === "delivered") { deliverWithCode(form, element, stopId); return; }
    if (form.dataset.type === "photo") { deliverWithPhoto(form, stopId); return; }
    var body = bodyOf(form, form.dataset.type);
    if (!body) { say(stopId, T.need_weight, true); return; }
    say(stopId, "");
    queue(stopId, body);
  });

  /* --- the order of the round: skip a stop to later, or go to another one first -------- */

  /* Mirror of the server's move: renumber, and deal the open stops' times out again. */
  function moveLocally(element, position) {
    var list = element.parentNode;
    var others = stopsOf(list).filter(function (each) { return each !== element; });
    var index = Math.max(0, Math.min(position - 1, others.length));
    list.insertBefore(element, others[index] || null);
    var stops = stopsOf(list);
    var open = stops.filter(function (each) { return each.dataset.open === "1"; });
    var slots = open.map(function (each) { return each.querySelector(".eta").textContent; }).sort();
    stops.forEach(function (each, i) { each.querySelector(".seq").textContent = String(i + 1); });
    open.forEach(function (each, i) { each.querySelector(".eta").textContent = slots[i]; });
  }

  function move(element, position) {
    moveLocally(element, position);
    window.scrollTo(0, 0);
    return queue(Number(element.dataset.stopId), { type: "moved", at: new Date().toISOString(), position: position });
  }

  root.addEventListener("click", function (event) {
    var later = event.target.closest("[data-later]");
    var first = event.target.closest("[data-first]");
    if (later) {
      var stop = later.closest("li.stop");
      move(stop, stopsOf(stop.parentNode).length);
    } else if (first) {
      var chosen = first.closest("li.stop");
      var stops = stopsOf(chosen.parentNode);
      var next = stops.filter(function (each) { return each.dataset.open === "1"; })[0];
      move(chosen, stops.indexOf(next) + 1);
    }
  });

  /* --- the one signature pad: moved into the stop being signed for ----------------- */

  var pad = document.getElementById("signpad");
  var signpad = window.cunzhanSignPad(pad.querySelector("canvas"));

  function clearPad() { signpad.clear(); }
  pad.querySelector("[data-clear]").addEventListener("click", clearPad);
  pad.querySelector("[data-sign-submit]").addEventListener("click", function () {
    var stopId = Number(pad.closest("[data-stop-id]").dataset.stopId);
    if (signpad.count() < 5) { say(stopId, T.need_signature, true); return; }
    var signature = signpad.path();
    pad.hidden = true;
    root.appendChild(pad);
    clearPad();
    queue(stopId, { type: "delivered", at: new Date().toISOString(), signature: signature });
  });
  root.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-photo-open]");
    if (!opener) { return; }
    var form = opener.closest("li.stop").querySelector('form[data-type="photo"]');
    form.hidden = false;
    form.elements.handed_to.focus();
  });
  root.addEventListener("click", function (event) {
    var button = event.target.closest("[data-sign]");
    if (!button) { return; }
    clearPad();
    button.parentNode.appendChild(pad);
    pad.hidden = false;
  });

  /* --- signing out: nothing unsent is lost without asking twice --------------------- */

  var dialog = document.getElementById("signout-dialog");
  var answerAsked = null;  // answers the open sign-out question, if one is open

  /* Show the question (buttons by their data-choice) and resolve with the one tapped. */
  function ask(text, choices, discardCount) {
    dialog.querySelector("[data-dialog-text]").textContent = text;
    dialog.querySelectorAll("[data-choice]").forEach(function (button) {
      button.hidden = choices.indexOf(button.dataset.choice) === -1;
    });
    dialog.querySelector('[data-choice="discard"]').textContent = fill(T.discard_button, { n: discardCount || 0 });
    if (!dialog.open) { dialog.showModal(); }
    return new Promise(function (resolve) {
      function answer(choice) {
        dialog.removeEventListener("click", chosen);
        answerAsked = null;
        resolve(choice);
      }
      function chosen(event) {
        var button = event.target.closest("[data-choice]");
        if (button) { answer(button.dataset.choice); }
      }
      answerAsked = answer;
      dialog.addEventListener("click", chosen);
      dialog.addEventListener("cancel", function () { answer("stay"); }, { once: true });
    });
  }

  /* The outbox emptied while a sign-out question was open (the signal came back): nothing is
   * left to lose, so the question is answered for the cadre and the sign-out goes on. */
  function outboxEmptied() { if (answerAsked) { answerAsked("synced"); } }

  function leaveDialog() { if (dialog.open) { dialog.close(); } }

  function guardedSignOut() {
    return ownItems().then(function (items) {
      if (!items.length) { return true; }
      var stayed = false;
      ask(fill(T.signout_uploading, { n: items.length }), ["stay"]).then(function (choice) {
        stayed = choice === "stay";
      });
      return tryNow().then(ownItems).then(function (left) {
        if (stayed) { return false; }
        if (!left.length) { return true; }
        return ask(fill(T.signout_unsent, { n: left.length }), ["stay", "anyway"]).then(function (choice) {
          if (choice === "synced") { return true; }
          if (choice !== "anyway") { return false; }
          return ask(fill(T.signout_discard, { n: left.length }), ["stay", "discard"], left.length)
            .then(function (second) { return second === "discard" || second === "synced"; });
        });
      });
    }).then(function (go) {
      leaveDialog();
      if (go) { return signOutNow(); }
      return refresh();
    });
  }

  /* Forget the round on this phone (this account's outbox, the cached pages), then tell the
   * server; without signal the sign-out is remembered and sent on the next contact. */
  function clearLocal() {
    return withStore("readwrite", function (store) {
      return store.getAll();
    }).then(function (items) {
      var others = (items || []).filter(function (item) { return item.userId && item.userId !== user; });
      if (others.length) {
        return withStore("readwrite", function (store) {
          items.forEach(function (item) { if (others.indexOf(item) === -1) { store.delete(item.key); } });
        });
      }
      return new Promise(function (resolve) {
        var request = indexedDB.deleteDatabase(DB_NAME);
        request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
      });
    }).then(function () {
      Object.keys(localStorage).forEach(function (key) {
        if (key.indexOf("cunzhan-") === 0) { localStorage.removeItem(key); }
      });
      return caches.keys();
    }).then(function (keys) {
      return Promise.all(keys.filter(function (key) { return key !== self.cunzhanSignOut.CACHE; })
        .map(function (key) { return caches.delete(key); }));
    });
  }

  function signOutNow() {
    sync.left = true;
    clearTimeout(sync.timer);
    return (sync.running || Promise.resolve()).then(clearLocal).then(function () {
      return self.cunzhanSignOut.remember(csrf);
    }).then(flushPendingSignOut).then(function (sent) {
      if (sent) { return; }
      var stale = "#cadre > :not(#signed-out), main > .flash, .topnav .who";  // and the name, the "signed in" note
      document.querySelectorAll(stale).forEach(function (element) { element.hidden = true; });
      document.getElementById("signed-out").hidden = false;
      window.addEventListener("online", flushPendingSignOut);
      setInterval(flushPendingSignOut, RETRY_MS[RETRY_MS.length - 1]);
    });
  }

  /* Send a remembered sign-out; once the server has it, go to the login page. */
  function flushPendingSignOut() {
    return self.cunzhanSignOut.flush().then(function (sent) {
      if (sent) { location.assign(root.dataset.loginUrl); }
      return sent;
    }, function () { return false; });
  }

  /* Any way out on this page (a logout form, or a link to it) goes through the question. */
  document.addEventListener("submit", function (event) {
    if (!event.target.matches('form[action$="/logout"]')) { return; }
    event.preventDefault();
    guardedSignOut();
  }, true);
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href$="/logout"]');
    if (!link) { return; }
    event.preventDefault();
    guardedSignOut();
  }, true);

  /* --- start -------------------------------------------------------------------------- */

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/cadre/sw.js", { scope: "/" });
  }
  if (navigator.storage && navigator.storage.persist) { navigator.storage.persist(); }
  window.addEventListener("online", tryNow);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { tryNow(); }
  });
  ownItems().then(function (items) {
    items.forEach(function (item) {  // moves recorded offline, on a page cached before them
      var element = stopElement(item.stopId);
      if (item.body.type === "moved" && element) { moveLocally(element, item.body.position); }
    });
    renderAll(items);
    showSync(items.length);
    return trySync();
  });
}());
