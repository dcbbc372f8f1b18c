// Confirms a PaymentIntent with Stripe.js, then asks our server to re-read it from Stripe.
(function () {
  "use strict";
  var form = document.getElementById("stripe-pay");
  if (!form || typeof Stripe === "undefined") { return; }
  var stripe = Stripe(form.dataset.key);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var problem = document.getElementById("stripe-error");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;

  function refresh() {
    return fetch(form.dataset.refresh, {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf }
    }).then(function () { window.location.replace(window.location.pathname); });
  }

  // Back from Alipay's page: Stripe appends ?payment_intent=…; read the result at once.
  if (new URLSearchParams(window.location.search).has("payment_intent")) { refresh(); }

  function settle(result) {
    if (result && result.error) {
      problem.textContent = result.error.message || "支付未完成，请重试";
      problem.hidden = false;
      form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      return;
    }
    return refresh();
  }

  // Alipay redirects to its page and back to this one; WeChat Pay shows a QR code to scan.
  var walletConfirm = {
    alipay: function () {
      return stripe.confirmAlipayPayment(form.dataset.clientSecret, { return_url: window.location.href });
    },
    wechat_pay: function () {
      return stripe.confirmWechatPayPayment(form.dataset.clientSecret, {
        payment_method_options: { wechat_pay: { client: "web" } }
      });
    }
  };
  form.querySelectorAll("button[data-wallet]").forEach(function (button) {
    button.addEventListener("click", function () {
      button.disabled = true;
      walletConfirm[button.dataset.wallet]().then(settle);
    });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.querySelector("button").disabled = true;
    stripe.confirmCardPayment(form.dataset.clientSecret, { payment_method: { card: card } })
      .then(settle);
  });
})();
