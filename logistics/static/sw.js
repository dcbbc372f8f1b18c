/* Service worker of the cadre's page: the page, its assets and today's round work offline.
 *
 * Network first (with a time-out) for the page and GET /api/v1/rounds/today: fresh when there
 * is signal, the cached copy when not. The assets are served from the cache and refreshed in
 * the background, so a new deployment reaches the phone on the next load. The outbox lives in
 * IndexedDB, which no cache clean-up here touches: it survives a new version of this worker.
 * A sign-out the page could not send is sent before the next page opens (signout.js).
 * A sign-out through the site's form (POST /logout) empties the caches of the round.
 */
"use strict";
importScripts("/static/logistics/signout.js");
var CACHE = "cunzhan-cadre-v3";
var PAGE = "/cadre/today";
var FRESH = [PAGE, "/api/v1/rounds/today"];
var ASSETS = [
  "/static/core/app.css", "/static/core/signpad.js", "/static/logistics/cadre.css",
  "/static/logistics/cadre.js",
  "/static/logistics/signout.js"
];
var NETWORK_TIMEOUT_MS = 6000;
var KEEP = [CACHE, self.cunzhanSignOut.CACHE];

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
    return Promise.all(keys.filter(function (k) { return KEEP.indexOf(k) === -1; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

/* The copy kept for later, without the one-time notes ("登录成功") of this answer. */
function keep(url, response) {
  var path = url.split("?")[0];
  if (new URL(path).pathname !== PAGE) {
    return caches.open(CACHE).then(function (cache) { return cache.put(path, response); });
  }
  return response.text().then(function (html) {
    var page = html.replace(/<p class="flash[^"]*"[^>]*>[\s\S]*?<\/p>\s*/g, "");
    var copy = new Response(page, { headers: { "Content-Type": response.headers.get("Content-Type") } });
    return caches.open(CACHE).then(function (cache) { return cache.put(path, copy); });
  });
}

function networkFirst(request) {
  var abort = new AbortController();
  var timer = setTimeout(function () { abort.abort(); }, NETWORK_TIMEOUT_MS);
  return fetch(request, { signal: abort.signal }).then(function (response) {
    clearTimeout(timer);
    if (response.ok && !response.redirected) { keep(request.url, response.clone()); }
    return response;
  }).catch(function () {
    return caches.match(request, { ignoreSearch: true }).then(function (cached) {
      return cached || Response.error();
    });
  });
}

function staleWhileRevalidate(event) {
  var request = event.request;
  var fresh = fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      return caches.open(CACHE).then(function (cache) { return cache.put(request, copy); }).then(function () { return response; });
    }
    return response;
  });
  event.waitUntil(fresh.catch(function () {}));
  return caches.match(request, { ignoreSearch: true }).then(function (cached) { return cached || fresh; });
}

/* A page opens: first send a sign-out left over from a time without signal. */
function navigate(request) {
  return self.cunzhanSignOut.flush().catch(function () { return false; }).then(function () {
    return FRESH.indexOf(new URL(request.url).pathname) !== -1 ? networkFirst(request) : fetch(request);
  });
}

function forgetRound() {
  return caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== self.cunzhanSignOut.CACHE; }).map(function (k) { return caches.delete(k); }));
  });
}

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (url.origin !== self.location.origin) { return; }
  if (event.request.method === "POST" && url.pathname === "/logout") {
    event.waitUntil(forgetRound());
    return;
  }
  if (event.request.method !== "GET") { return; }
  if (event.request.mode === "navigate") {
    event.respondWith(navigate(event.request));
  } else if (FRESH.indexOf(url.pathname) !== -1) {
    event.respondWith(networkFirst(event.request));
  } else if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(staleWhileRevalidate(event));
  }
});
