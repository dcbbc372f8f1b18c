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
    }).then(function () { window.location.reload(); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.querySelector("button").disabled = true;
    stripe.confirmCardPayment(form.dataset.clientSecret, { payment_method: { card: card } })
      .then(function (result) {
        if (result.error) {
          problem.textContent = result.error.message || "支付未完成，请重试";
          problem.hidden = false;
          form.querySelector("button").disabled = false;
          return;
        }
        return refresh();
      });
  });
})();
