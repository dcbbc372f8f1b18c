/* The ledger's payout form: the method switch and the seller's signature pad (strokes
 * become an SVG path, as on the cadre's delivery page). Printing is core/static/print.js. */
(function () {
  "use strict";
  var form = document.getElementById("payout-form");
  if (!form) { return; }
  var signpad = window.cunzhanSignPad(form.querySelector("canvas"));

  function method() { return form.querySelector("input[name=method]:checked").value; }
  function showMethod() {
    form.querySelectorAll("[data-for-method]").forEach(function (part) {
      part.hidden = part.dataset.forMethod !== method();
    });
  }
  var error = form.querySelector("[data-sign-error]");
  form.querySelector("[data-clear]").addEventListener("click", signpad.clear);
  // The seller starts signing: the "please sign" warning has been answered.
  form.querySelector("canvas").addEventListener("pointerdown", function () { error.hidden = true; });
  form.querySelectorAll("input[name=method]").forEach(function (radio) {
    radio.addEventListener("change", showMethod);
  });
  form.addEventListener("submit", function (event) {
    if (method() === "cash" && signpad.count() < 5) {
      event.preventDefault();
      error.hidden = false;
      return;
    }
    error.hidden = true;
    form.elements.signature.value = method() === "cash" ? signpad.path() : "";
  });
  showMethod();
}());
