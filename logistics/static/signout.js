/* A sign-out that could not reach the server (no signal) is remembered here and sent on the
 * next contact: by the cadre's page when a request answers again, or by the service worker
 * (which imports this file) before the next page the phone opens. The server then ends the
 * session (it bumps the account's session epoch), whatever the phone still holds.
 */
(function (scope) {
  "use strict";
  var CACHE = "cunzhan-signout";
  var KEY = "/pending-signout";
  var LOGOUT_URL = "/api/v1/auth/logout";
  var TIMEOUT_MS = 4000;

  function remember(csrf) {
    return caches.open(CACHE).then(function (cache) {
      return cache.put(KEY, new Response(JSON.stringify({ csrf: csrf })));
    });
  }

  /* Resolves true when a pending sign-out reached the server, false when none was pending;
   * rejects (and keeps it) when the server did not answer in time. */
  function flush() {
    return caches.match(KEY, { cacheName: CACHE }).then(function (found) {
      if (!found) { return false; }
      return found.json().then(function (data) {
        var abort = new AbortController();
        var timer = setTimeout(function () { abort.abort(); }, TIMEOUT_MS);
        return fetch(LOGOUT_URL, {
          method: "POST", credentials: "same-origin", cache: "no-store", signal: abort.signal,
          headers: { "X-CSRFToken": data.csrf }
        }).finally(function () { clearTimeout(timer); });
      }).then(function () { return caches.delete(CACHE); }).then(function () { return true; });
    });
  }

  scope.cunzhanSignOut = { CACHE: CACHE, remember: remember, flush: flush };
}(self));
