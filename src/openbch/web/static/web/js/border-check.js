/* The border check page: register its service worker, which keeps the last checks for offline use.
 * The page works without this file. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script || !script.dataset.sw) {
    return;
  }
  navigator.serviceWorker.register(script.dataset.sw).catch(function () {
    /* no offline copies (e.g. a page served over plain HTTP from another host): the page still works */
  });
})();
