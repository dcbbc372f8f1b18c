// The dispatcher's board refreshes its planning section by itself: one small request every
// few seconds while villages are being planned, every 20 s otherwise, none while hidden.
// Once every village of the planning just asked for is done or failed, the message
// "正在规划 N 个村的路线" above the board gives way to the outcome.
(function () {
  'use strict';
  var live = document.getElementById('plan-live');
  if (!live) return;
  var BUSY_MS = 2000, IDLE_MS = 20000;
  function showOutcome(outcome) {
    var note = document.querySelector('.flash-planning');
    if (!note || !outcome) return;
    note.textContent = outcome;
    note.classList.remove('flash-planning');
    note.classList.add('flash-planned');
  }
  function schedule() {
    setTimeout(refresh, live.dataset.busy === 'true' ? BUSY_MS : IDLE_MS);
  }
  function refresh() {
    if (document.hidden) { schedule(); return; }
    var opened = Array.prototype.map.call(live.querySelectorAll('details[open] summary'),
      function (s) { return s.textContent; });
    fetch(live.dataset.url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data) {
          live.innerHTML = data.html;
          live.dataset.busy = data.busy ? 'true' : 'false';
          live.querySelectorAll('details summary').forEach(function (s) {
            if (opened.indexOf(s.textContent) >= 0) s.parentNode.open = true;
          });
          showOutcome(data.outcome);
        }
      })
      .catch(function () { /* no signal: try again later */ })
      .then(schedule);
  }
  showOutcome(live.dataset.outcome);
  schedule();
})();
