// Countdowns to the deadlines, a live progress bar refreshed from the public API, and the
// amount a pledge would cost at today's price.
(function () {
  "use strict";

  function fen(amount) {
    var sign = amount < 0 ? "-" : "";
    amount = Math.abs(amount);
    return sign + "¥" + Math.floor(amount / 100).toLocaleString("en-US") + "." + String(amount % 100).padStart(2, "0");
  }

  var countdowns = document.querySelectorAll(".countdown");
  function tick() {
    countdowns.forEach(function (countdown) {
      var left = Math.max(0, Date.parse(countdown.dataset.deadline) - Date.now());
      var days = Math.floor(left / 86400000), hours = Math.floor(left / 3600000) % 24;
      var minutes = Math.floor(left / 60000) % 60, seconds = Math.floor(left / 1000) % 60;
      countdown.textContent = (days ? days + "天" : "") + hours + "小时" + minutes + "分" + seconds + "秒";
    });
  }
  if (countdowns.length) {
    tick();
    setInterval(tick, 1000);
  }

  var quantity = document.querySelector("input[data-price]");
  var estimate = document.querySelector("[data-estimate]");
  if (quantity && estimate) {
    var hint = estimate.textContent;
    quantity.addEventListener("input", function () {
      var n = parseInt(quantity.value, 10);
      var due = fen(n * parseInt(quantity.dataset.price, 10));
      estimate.textContent = n > 0 ? estimate.dataset.estimate + " " + due + " · " + hint : hint;
    });
  }

  var box = document.querySelector(".groupbuy-progress");
  if (!box) { return; }
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
  setInterval(refresh, 20000);
})();
