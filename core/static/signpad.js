/* The one signature pad: strokes drawn with a finger on a canvas become an SVG path
 * ("M x y L x y ..."), for the cadre's delivery page and the agent's payout page alike. */
(function () {
  "use strict";
  window.cunzhanSignPad = function (canvas) {
    var pen = canvas.getContext("2d");
    var strokes = [];
    var drawing = false;

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
    return {
      count: function () { return strokes.length; },
      path: function () { return strokes.join("").slice(0, 20000); },
      clear: function () { strokes = []; pen.clearRect(0, 0, canvas.width, canvas.height); }
    };
  };
}());
