/* SCORM 1.2 run-time: find the LMS's API object in a parent window (or the opener's), as the
   SCORM 1.2 Run-Time Environment describes, and report through it. Without an LMS (the offline
   bundle) every call is a no-op and the pages work the same. */
(function () {
  "use strict";
  function findIn(win) {
    var tries = 0;
    while (win && !win.API && win.parent && win.parent !== win && tries < 10) {
      tries += 1;
      win = win.parent;
    }
    return win && win.API ? win.API : null;
  }
  function find() {
    var api = null;
    try { api = findIn(window); } catch (e) { api = null; }
    if (!api && window.opener) {
      try { api = findIn(window.opener); } catch (e2) { api = null; }
    }
    return api;
  }
  var api = find();
  var started = false;
  var finished = false;
  var scorm = {
    available: function () { return api !== null; },
    start: function () {
      if (api && !started) { started = String(api.LMSInitialize("")) === "true"; }
      return started;
    },
    set: function (name, value) { if (api && started) { api.LMSSetValue(name, String(value)); } },
    get: function (name) { return api && started ? String(api.LMSGetValue(name)) : ""; },
    commit: function () { if (api && started) { api.LMSCommit(""); } },
    finish: function () {
      if (api && started && !finished) { finished = true; api.LMSFinish(""); }
    }
  };
  window.openbchScorm = scorm;
  window.addEventListener("load", function () {
    scorm.start();
    var kind = document.body.getAttribute("data-sco");
    if (kind === "lesson" || kind === "index") {
      scorm.set("cmi.core.lesson_status", "completed");
      scorm.commit();
    } else if (kind === "quiz" && scorm.get("cmi.core.lesson_status") === "not attempted") {
      scorm.set("cmi.core.lesson_status", "incomplete");
      scorm.commit();
    }
  });
  window.addEventListener("pagehide", function () { scorm.finish(); });
  window.addEventListener("beforeunload", function () { scorm.finish(); });
})();
