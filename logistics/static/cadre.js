/* The cadre's round, offline first.
 *
 * Every confirmation goes into an IndexedDB outbox with a client-made UUID, then is sent to
 * POST /api/v1/stops/{id}/events with that UUID as Idempotency-Key. The outbox is replayed on
 * page open, when the signal returns ("online") and on a timer; the server applies each key
 * once, so replaying after a lost answer is safe. A service worker keeps this page and its
 * assets for a reload without signal.
 */
(function () {
  "use strict";
  var DB_NAME = "cunzhan-outbox";
  var STORE = "events";
  var REPLAY_EVERY_MS = 20000;
  var STATE_LABELS = { pending: "待送", delivered: "已送达", failed: "未送达", skipped: "已改派", waiting: "待上传" };
  var root = document.getElementById("cadre");
  if (!root) { return; }
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var replaying = false;

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  /* One short transaction per call, closed at once so logout can delete the database. */
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

  function allItems() {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.createdAt - b.createdAt; });
    });
  }
  function putItem(item) { return withStore("readwrite", function (store) { store.put(item); }); }
  function deleteItem(key) { return withStore("readwrite", function (store) { store.delete(key); }); }

  function stopElement(stopId) { return document.getElementById("stop-" + stopId); }

  /* Show a stop's state; close the forms that no longer apply to it. */
  function showState(stopId, status, message, isError) {
    var element = stopElement(stopId);
    if (!element) { return; }
    element.className = "stop stop-" + status;
    element.dataset.status = status;
    element.querySelector("[data-state]").textContent = STATE_LABELS[status] || status;
    var box = element.querySelector("[data-actions]");
    if (box && status !== "waiting") {
      var delivery = box.querySelector('form[data-type="delivered"]');
      if (delivery && status !== "pending") { delivery.hidden = true; }
      var collect = box.querySelector('form[data-type="collected"]');
      var produceLeft = collect && !collect.hidden && status === "delivered";
      box.hidden = status !== "pending" && !produceLeft;
    }
    var note = element.querySelector("[data-message]");
    note.textContent = message || "";
    note.className = isError ? "message error" : "message";
  }

  /* A queued confirmation: its form is done; a failure closes the stop (or its produce). */
  function closeForm(stopId, type) {
    var element = stopElement(stopId);
    var box = element && element.querySelector("[data-actions]");
    if (!box) { return; }
    box.querySelectorAll('form[data-type="' + type + '"]').forEach(function (form) { form.hidden = true; });
    if (type === "failed") { box.hidden = true; }
  }

  function updateCount() {
    return allItems().then(function (items) {
      document.getElementById("outbox-count").textContent = String(items.length);
      items.forEach(function (item) {
        closeForm(item.stopId, item.body.type);
        showState(item.stopId, "waiting", "没有信号，联网后自动上传");
      });
    });
  }

  function updateNetwork() {
    var online = navigator.onLine;
    document.getElementById("net-state").textContent = online ? "在线" : "离线";
    document.getElementById("netbar").className = online ? "netbar" : "netbar offline";
  }

  function send(item) {
    var url = root.dataset.eventsUrl.replace("{id}", String(item.stopId));
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Idempotency-Key": item.key, "X-CSRFToken": csrf },
      body: JSON.stringify(item.body)
    });
  }

  /* Settle one answer: applied (or applied before) → done; refused → tell the cadre. */
  function settle(item, response) {
    return response.json().catch(function () { return {}; }).then(function (answer) {
      if (response.status === 201) {
        var uploaded = item.body.type === "collected" ? "农产品已登记" : "已上传";
        showState(item.stopId, answer.stop.status, uploaded);
        return deleteItem(item.key);
      }
      if (response.status === 401) { throw new Error("signed out"); }
      var error = answer.error || {};
      var status = error.stop ? error.stop.status : "pending";
      reopen(item.stopId, status);
      showState(item.stopId, status, (error.message || "上传失败") + "（服务器状态为准）", true);
      return deleteItem(item.key);
    });
  }

  /* A refused confirmation (wrong code...): the cadre may try again if the stop is pending. */
  function reopen(stopId, status) {
    var element = stopElement(stopId);
    var box = element && element.querySelector("[data-actions]");
    if (!box || status !== "pending") { return; }
    box.hidden = false;
    box.querySelectorAll("form").forEach(function (form) { form.hidden = false; });
  }

  function replay() {
    if (replaying) { return Promise.resolve(); }
    replaying = true;
    return allItems().then(function (items) {
      return items.reduce(function (chain, item) {
        return chain.then(function () {
          return send(item).then(function (response) { return settle(item, response); });
        });
      }, Promise.resolve());
    }).catch(function () { /* no signal (or signed out): the items wait for the next try */ })
      .then(function () { replaying = false; return updateCount(); });
  }

  function queue(stopId, body) {
    var item = { key: crypto.randomUUID(), stopId: stopId, body: body, createdAt: Date.now() };
    return putItem(item).then(updateCount).then(replay);
  }

  function bodyOf(form, type) {
    var body = { type: type, at: new Date().toISOString() };
    if (type === "delivered") {
      var code = form.elements.pickup_code.value.trim();
      if (!/^\d{6}$/.test(code)) { return null; }
      body.pickup_code = code;
    } else if (type === "failed") {
      body.reason = form.elements.reason.value;
    } else {
      var grams = Math.round(parseFloat(form.elements.weight_kg.value) * 1000);
      if (!(grams > 0 && grams <= 100000)) { return null; }
      body.weight_g = grams;
    }
    return body;
  }

  root.addEventListener("submit", function (event) {
    var form = event.target.closest("form.event");
    if (!form) { return; }
    event.preventDefault();
    var stopId = Number(form.closest("[data-stop-id]").dataset.stopId);
    var body = bodyOf(form, form.dataset.type);
    if (!body) {
      showState(stopId, "pending", form.dataset.type === "delivered" ? "请输入 6 位取件码" : "请输入重量（公斤）", true);
      return;
    }
    queue(stopId, body);
  });

  /* The one signature pad: moved into the stop being signed for; strokes become an SVG path. */
  var pad = document.getElementById("signpad");
  var canvas = pad.querySelector("canvas");
  var pen = canvas.getContext("2d");
  var strokes = [];
  var drawing = false;

  function clearPad() { strokes = []; pen.clearRect(0, 0, canvas.width, canvas.height); }
  function point(event) {
    var box = canvas.getBoundingClientRect();
    return [Math.round((event.clientX - box.left) * canvas.width / box.width),
            Math.round((event.clientY - box.top) * canvas.height / box.height)];
  }
  canvas.addEventListener("pointerdown", function (event) {
    drawing = true;
    var p = point(event);
    strokes.push("M" + p.join(" "));
    pen.beginPath(); pen.moveTo(p[0], p[1]);
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) { return; }
    var p = point(event);
    strokes.push("L" + p.join(" "));
    pen.lineTo(p[0], p[1]); pen.lineWidth = 3; pen.stroke();
  });
  ["pointerup", "pointerleave"].forEach(function (name) {
    canvas.addEventListener(name, function () { drawing = false; });
  });
  pad.querySelector("[data-clear]").addEventListener("click", clearPad);
  pad.querySelector("[data-sign-submit]").addEventListener("click", function () {
    var stopId = Number(pad.closest("[data-stop-id]").dataset.stopId);
    if (strokes.length < 5) { showState(stopId, "pending", "请收件人在框内签名", true); return; }
    var signature = strokes.join("").slice(0, 20000);
    pad.hidden = true;
    root.appendChild(pad);
    clearPad();
    queue(stopId, { type: "delivered", at: new Date().toISOString(), signature: signature });
  });
  root.addEventListener("click", function (event) {
    var button = event.target.closest("[data-sign]");
    if (!button) { return; }
    clearPad();
    button.parentNode.appendChild(pad);
    pad.hidden = false;
  });

  /* Logout clears the cached round and the outbox (the service worker does it too). */
  function clearEverything() {
    indexedDB.deleteDatabase(DB_NAME);
    if (!window.caches) { return Promise.resolve(); }
    return caches.keys().then(function (keys) {
      return Promise.all(keys.map(function (key) { return caches.delete(key); }));
    });
  }
  document.querySelectorAll('form[action$="/logout"]').forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      function leave() { form.submit(); }
      clearEverything().then(leave, leave);
    });
  });

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/cadre/sw.js", { scope: "/" });
  }
  window.addEventListener("online", function () { updateNetwork(); replay(); });
  window.addEventListener("offline", updateNetwork);
  setInterval(replay, REPLAY_EVERY_MS);
  updateNetwork();
  updateCount().then(replay);
}());
