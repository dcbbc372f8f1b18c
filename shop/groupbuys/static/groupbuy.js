// Countdown to the deadline and a live progress bar, refreshed from the public API.
(function () {
  "use strict";
  var box = document.querySelector(".groupbuy-progress");
  if (!box) { return; }

  function fen(amount) {
    var sign = amount < 0 ? "-" : "";
    amount = Math.abs(amount);
    return sign + "¥" + Math.floor(amount / 100).toLocaleString("en-US") + "." + String(amount % 100).padStart(2, "0");
  }

  var countdown = box.querySelector(".countdown");
  function tick() {
    if (!countdown) { return; }
    var left = Math.max(0, Date.parse(countdown.dataset.deadline) - Date.now());
    var days = Math.floor(left / 86400000), hours = Math.floor(left / 3600000) % 24;
    var minutes = Math.floor(left / 60000) % 60, seconds = Math.floor(left / 1000) % 60;
    countdown.textContent = (days ? days + "天" : "") + hours + "小时" + minutes + "分" + seconds + "秒";
  }

  function field(name) { return box.querySelector('[data-field="' + name + '"]'); }

  function refresh() {
    fetch(box.dataset.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (campaign) {
        if (!campaign) { return; }
        field("price").textContent = fen(campaign.current_price_fen);
        field("saving").textContent = fen(campaign.shop_price_fen - campaign.current_price_fen);
        field("pledged").textContent = campaign.pledged_quantity;
        field("bar").value = campaign.pledged_quantity;
      })
      .catch(function () { /* weak signal: keep what is shown */ });
  }

  tick();
  setInterval(tick, 1000);
  setInterval(refresh, 20000);
})();
