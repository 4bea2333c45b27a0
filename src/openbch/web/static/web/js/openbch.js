/* openbch pages: small enhancements only; every page works without this file.
 *  - htmx requests carry the CSRF token (from <meta name="csrf-token">) as X-CSRFToken;
 *  - "Print" buttons (hidden without JavaScript) print the page;
 *  - after htmx swaps a region, focus moves to its heading for keyboard and screen-reader users.
 */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');

  document.addEventListener("htmx:configRequest", function (event) {
    if (meta && meta.content) {
      event.detail.headers["X-CSRFToken"] = meta.content;
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var heading = event.detail.target && event.detail.target.querySelector("[data-focus-after-swap]");
    if (heading) {
      heading.focus();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });

  var buttons = document.querySelectorAll("[data-print]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
  }
})();
