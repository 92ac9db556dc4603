/* The API docs page: the vendored Swagger UI drawing /api/v1/openapi.json (no CDN). */
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: node.getAttribute("data-spec"), domNode: node, deepLinking: true,
                           persistAuthorization: true });
})();
