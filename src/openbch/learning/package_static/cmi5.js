/* cmi5 (xAPI) run-time of the cmi5 package: when the LMS launched this page with the cmi5 launch
   parameters (endpoint, fetch, actor, registration, activityId), get the session's token from the
   fetch URL, read LMS.LaunchData, and send the AU's statements: "initialized" first; "completed"
   for a lesson; "passed" or "failed" (one per session) for the quiz, judged against the LMS's
   masteryScore; "terminated" last, with the session's duration. Without those parameters every
   call is a no-op (the same pages then work offline or under SCORM). */
(function () {
  "use strict";
  var VERBS = "http://adlnet.gov/expapi/verbs/";
  var CMI5 = "https://w3id.org/xapi/cmi5/context/categories/cmi5";
  var MOVEON = "https://w3id.org/xapi/cmi5/context/categories/moveon";
  var MASTERY = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore";
  var query = new URLSearchParams(window.location.search);
  var launch = {
    endpoint: query.get("endpoint"),
    fetch: query.get("fetch"),
    actor: query.get("actor"),
    registration: query.get("registration"),
    activityId: query.get("activityId")
  };
  var active = !!(launch.endpoint && launch.fetch && launch.actor && launch.registration && launch.activityId);
  var token = null;
  var launchData = null;
  var started = null;
  var judged = false;
  var terminated = false;
  var ready = null;

  function base() { return launch.endpoint.replace(/\/?$/, "/"); }
  function headers() {
    return {
      "Authorization": "Basic " + token,
      "X-Experience-API-Version": "1.0.3",
      "Content-Type": "application/json"
    };
  }
  function uuid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0;
      return (c === "x" ? r : (r & 0x3 | 0x8)).toString(16);
    });
  }
  function duration() {
    var seconds = Math.max(0, (Date.now() - started) / 1000);
    return "PT" + seconds.toFixed(2) + "S";
  }
  function statement(verb, extra) {
    var context = JSON.parse(JSON.stringify((launchData && launchData.contextTemplate) || {}));
    context.registration = launch.registration;
    context.contextActivities = context.contextActivities || {};
    var category = context.contextActivities.category || [];
    category.push({ id: CMI5 });
    if (extra && extra.result && ("success" in extra.result || "completion" in extra.result)) {
      category.push({ id: MOVEON });
    }
    context.contextActivities.category = category;
    if (extra && extra.extensions) {
      context.extensions = Object.assign(context.extensions || {}, extra.extensions);
    }
    var body = {
      id: uuid(),
      timestamp: new Date().toISOString(),
      actor: JSON.parse(launch.actor),
      verb: { id: VERBS + verb, display: { "en-US": verb } },
      object: { id: launch.activityId, objectType: "Activity" },
      context: context
    };
    if (extra && extra.result) { body.result = extra.result; }
    return body;
  }
  function send(verb, extra, keepalive) {
    return fetch(base() + "statements", {
      method: "POST",
      headers: headers(),
      body: JSON.stringify(statement(verb, extra)),
      keepalive: !!keepalive
    });
  }
  function start() {
    if (!active) { return Promise.resolve(false); }
    if (ready) { return ready; }
    ready = fetch(launch.fetch, { method: "POST" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        token = data["auth-token"];
        var state = base() + "activities/state?" + new URLSearchParams({
          stateId: "LMS.LaunchData",
          activityId: launch.activityId,
          agent: launch.actor,
          registration: launch.registration
        }).toString();
        return fetch(state, { headers: headers() });
      })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        launchData = data;
        started = Date.now();
        return send("initialized");
      })
      .then(function () { return true; });
    return ready;
  }
  function normal() { return !launchData || !launchData.launchMode || launchData.launchMode === "Normal"; }

  window.openbchCmi5 = {
    active: function () { return active; },
    /* the quiz's judgement: score 0..1 and the AU's own pass mark (the LMS's masteryScore wins) */
    judge: function (score, passMark) {
      if (!active || judged) { return Promise.resolve(null); }
      judged = true;
      return start().then(function () {
        if (!normal()) { return null; }
        var mastery = launchData && typeof launchData.masteryScore === "number" ? launchData.masteryScore : null;
        var passed = score >= (mastery === null ? passMark : mastery);
        var extra = { result: { score: { scaled: score }, success: passed, duration: duration() } };
        if (mastery !== null) { extra.extensions = {}; extra.extensions[MASTERY] = mastery; }
        return send(passed ? "passed" : "failed", extra).then(function () { return passed; });
      });
    },
    /* one judgement per session: a retry needs a new launch from the LMS */
    judged: function () { return judged; },
    terminate: function () {
      if (!active || terminated || !token) { return; }
      terminated = true;
      send("terminated", { result: { duration: duration() } }, true);
    },
    exit: function () {
      window.openbchCmi5.terminate();
      if (launchData && launchData.returnURL) { window.location.assign(launchData.returnURL); }
    }
  };

  window.addEventListener("load", function () {
    if (!active) { return; }
    var exit = document.getElementById("cmi5-exit");
    if (exit) {
      exit.hidden = false;
      exit.addEventListener("click", function () { window.openbchCmi5.exit(); });
    }
    start().then(function () {
      if (document.body.getAttribute("data-sco") === "lesson" && normal()) {
        send("completed", { result: { completion: true, duration: duration() } });
      }
    });
  });
  window.addEventListener("pagehide", function () { window.openbchCmi5.terminate(); });
})();
