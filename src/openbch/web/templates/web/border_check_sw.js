/* openbch border check: keeps the last checks on this device for a border post without a connection.
 * Network first: every check page answered is kept (the last 20); without a connection the kept copy
 * is shown (it says when it was made and how current its data was), or a list of the kept checks. */
"use strict";
var CACHE = "openbch-border-check-v1";
var KEEP = 20;
var SCOPE = self.registration.scope;

function keep(request, response) {
  return caches.open(CACHE).then(function (cache) {
    return cache.put(request, response).then(function () {
      return cache.keys();
    }).then(function (keys) {
      var checks = keys.filter(function (k) { return k.url.indexOf(SCOPE) === 0; });
      var extra = checks.length - KEEP;
      return Promise.all(checks.slice(0, Math.max(0, extra)).map(function (k) { return cache.delete(k); }));
    });
  });
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
  });
}

function offlineList() {
  return caches.open(CACHE).then(function (cache) { return cache.keys(); }).then(function (keys) {
    var items = keys.filter(function (k) { return k.url.indexOf(SCOPE) === 0 && k.url.indexOf("?") > 0; })
      .reverse().map(function (k) {
        var query = new URL(k.url).searchParams;
        var label = (query.get("text") || "").slice(0, 120) + " — " + (query.get("country") || "") + ", " + (query.get("use") || "");
        return "<li><a href=\"" + escapeHtml(k.url) + "\">" + escapeHtml(label) + "</a></li>";
      });
    var body = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
      "<title>{{ offline_title|escapejs }}</title></head><body><h1>{{ offline_title|escapejs }}</h1><p>{{ offline_text|escapejs }}</p>" +
      (items.length ? "<ul>" + items.join("") + "</ul>" : "<p>{{ offline_none|escapejs }}</p>") + "</body></html>";
    return new Response(body, {headers: {"Content-Type": "text/html; charset=utf-8"}});
  });
}

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  var isCheck = request.url.indexOf(SCOPE) === 0 && url.pathname.slice(-6) !== "sw.js";
  var isStatic = url.pathname.indexOf("/static/") === 0;
  if (!isCheck && !isStatic) { return; }
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok || (isCheck && response.status === 400)) {
        var copy = response.clone();
        event.waitUntil(keep(request, copy));
      }
      return response;
    }).catch(function () {
      return caches.match(request).then(function (kept) {
        return kept || (isCheck && request.mode === "navigate" ? offlineList() : Response.error());
      });
    })
  );
});
