// Starts Swagger UI on /api/docs (a file, not an inline script: the page's CSP allows 'self' only).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    validatorUrl: null, // no call to the public validator: the page works offline
    deepLinking: true,
  });
})();
