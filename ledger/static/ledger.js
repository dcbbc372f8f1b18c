/* The ledger's pages: print a statement; the payout form's method switch and the seller's
 * signature pad (strokes become an SVG path, as on the cadre's delivery page). */
(function () {
  "use strict";
  var print = document.querySelector("[data-print]");
  if (print) { print.addEventListener("click", function () { window.print(); }); }

  var form = document.getElementById("payout-form");
  if (!form) { return; }
  var canvas = form.querySelector("canvas");
  var pen = canvas.getContext("2d");
  var strokes = [];
  var drawing = false;

  function method() { return form.querySelector("input[name=method]:checked").value; }
  function showMethod() {
    form.querySelectorAll("[data-for-method]").forEach(function (part) {
      part.hidden = part.dataset.forMethod !== method();
    });
  }
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
  form.querySelector("[data-clear]").addEventListener("click", function () {
    strokes = []; pen.clearRect(0, 0, canvas.width, canvas.height);
  });
  form.querySelectorAll("input[name=method]").forEach(function (radio) {
    radio.addEventListener("change", showMethod);
  });
  form.addEventListener("submit", function (event) {
    var error = form.querySelector("[data-sign-error]");
    if (method() === "cash" && strokes.length < 5) {
      event.preventDefault();
      error.hidden = false;
      return;
    }
    error.hidden = true;
    form.elements.signature.value = method() === "cash" ? strokes.join("").slice(0, 20000) : "";
  });
  showMethod();
}());
