/* Service worker of the cadre's page: the page, its assets and today's round work offline.
 *
 * Network first for the page and GET /api/v1/rounds/today (fresh when there is signal, the
 * cached copy when not); cache first for static assets. A sign-out (POST /logout) empties the
 * caches and the outbox, so the next person on this phone sees nothing of the last one.
 */
"use strict";
var CACHE = "cunzhan-cadre-v1";
var PAGE = "/cadre/today";
var FRESH = [PAGE, "/api/v1/rounds/today"];
var ASSETS = ["/static/core/app.css", "/static/logistics/cadre.css", "/static/logistics/cadre.js"];
var NETWORK_TIMEOUT_MS = 6000;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS).then(function () {
      return fetch(PAGE, { credentials: "same-origin" }).then(function (response) {
        if (response.ok && !response.redirected) { return cache.put(PAGE, response); }
      });
    });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function networkFirst(request) {
  var timeout = new Promise(function (_, reject) { setTimeout(reject, NETWORK_TIMEOUT_MS); });
  return Promise.race([fetch(request), timeout]).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request.url.split("?")[0], copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, { ignoreSearch: true }).then(function (cached) {
      return cached || Response.error();
    });
  });
}

function cacheFirst(request) {
  return caches.match(request, { ignoreSearch: true }).then(function (cached) {
    return cached || fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
  });
}

function signOut() {
  return Promise.all([
    caches.keys().then(function (keys) { return Promise.all(keys.map(function (k) { return caches.delete(k); })); }),
    new Promise(function (resolve) {
      var request = indexedDB.deleteDatabase("cunzhan-outbox");
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    })
  ]);
}

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (url.origin !== self.location.origin) { return; }
  if (event.request.method === "POST" && url.pathname === "/logout") {
    event.waitUntil(signOut());
    return;
  }
  if (event.request.method !== "GET") { return; }
  if (FRESH.indexOf(url.pathname) !== -1) {
    event.respondWith(networkFirst(event.request));
  } else if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(cacheFirst(event.request));
  }
});
