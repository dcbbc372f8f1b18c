/* Any page's 打印 button ([data-print]): the strict CSP allows no inline onclick. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
}());
