/* The module's quiz, offline: draw questions from the bank, mark them with the rules the
   clearing-house uses (single and multiple choice all or nothing, matching and exercises by the
   share of parts right), and report the score through SCORM 1.2 when an LMS is there.
   Everything is built with textContent: no text from the bank is ever parsed as HTML. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("quiz-data").textContent);
  var form = document.getElementById("quiz");
  var box = document.getElementById("questions");
  var result = document.getElementById("result");
  var again = document.getElementById("again");
  var drawn = [];

  function shuffle(items) {
    var a = items.slice();
    for (var i = a.length - 1; i > 0; i -= 1) {
      var j = Math.floor(Math.random() * (i + 1));
      var t = a[i]; a[i] = a[j]; a[j] = t;
    }
    return a;
  }
  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }
  function select(name, options, label) {
    var s = el("select", null, { name: name, "aria-label": label });
    s.appendChild(el("option", "—", { value: "" }));
    options.forEach(function (o) { s.appendChild(el("option", o.label, { value: o.value })); });
    return s;
  }
  function render() {
    box.textContent = "";
    result.textContent = "";
    again.hidden = true;
    drawn = shuffle(data.questions).slice(0, data.draw).map(function (q, n) {
      var fs = el("fieldset", null, { "class": "question", "data-question": q.id });
      fs.appendChild(el("legend", (n + 1) + ". " + q.prompt));
      var entry = { q: q, node: fs };
      if (q.kind === "single" || q.kind === "multiple") {
        shuffle(q.choices).forEach(function (c) {
          var label = el("label");
          var input = el("input", null, { type: q.kind === "single" ? "radio" : "checkbox", name: q.id, value: c.id });
          label.appendChild(input);
          label.appendChild(document.createTextNode(" " + c.text));
          fs.appendChild(el("p")).appendChild(label);
        });
      } else if (q.kind === "matching") {
        entry.rights = shuffle(q.pairs.map(function (p, i) { return i; }));
        var options = entry.rights.map(function (i) { return { value: String(i), label: q.pairs[i].right }; });
        entry.lefts = shuffle(q.pairs.map(function (p, i) { return i; }));
        entry.lefts.forEach(function (i) {
          var p = el("p");
          p.appendChild(el("span", q.pairs[i].left + " → "));
          p.appendChild(select(q.id + "." + i, options, q.pairs[i].left));
          fs.appendChild(p);
        });
      } else {
        fs.appendChild(el("pre", q.exercise.document, { "class": "document" }));
        var verdicts = data.verdicts;
        var overall = el("p");
        overall.appendChild(el("span", data.labels.overall + " "));
        overall.appendChild(select(q.id + ".overall", verdicts, data.labels.overall));
        fs.appendChild(overall);
        q.exercise.identifiers.forEach(function (text, i) {
          var p = el("p");
          p.appendChild(el("code", text));
          p.appendChild(document.createTextNode(" "));
          p.appendChild(select(q.id + ".item." + i, verdicts, text));
          fs.appendChild(p);
        });
      }
      box.appendChild(fs);
      return entry;
    });
  }
  function values(name) {
    return Array.prototype.filter.call(form.elements, function (e) {
      return e.name === name && (e.type === "radio" || e.type === "checkbox" ? e.checked : e.value !== "");
    }).map(function (e) { return e.value; });
  }
  function mark(entry) {
    var q = entry.q;
    if (q.kind === "single" || q.kind === "multiple") {
      var given = values(q.id).sort().join("|");
      return given === q.answer.slice().sort().join("|") ? 1 : 0;
    }
    if (q.kind === "matching") {
      var hits = 0;
      q.pairs.forEach(function (p, i) { if (values(q.id + "." + i)[0] === String(i)) { hits += 1; } });
      return hits / q.pairs.length;
    }
    var expected = q.exercise.expected;
    var right = values(q.id + ".overall")[0] === expected.overall ? 1 : 0;
    expected.items.forEach(function (v, i) { if (values(q.id + ".item." + i)[0] === v) { right += 1; } });
    return right / (1 + expected.items.length);
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var total = 0;
    drawn.forEach(function (entry) {
      var m = mark(entry);
      total += m;
      var note = el("p", (m === 1 ? data.labels.right : data.labels.wrong) + " " + entry.q.explanation, { "class": m === 1 ? "right" : "wrong" });
      entry.node.appendChild(note);
      Array.prototype.forEach.call(entry.node.querySelectorAll("input,select"), function (i) { i.disabled = true; });
    });
    var score = drawn.length ? total / drawn.length : 0;
    var passed = score >= data.pass_mark;
    var raw = Math.round(score * 100);
    result.textContent = data.labels.score.replace("%(score)s", String(raw)) + " " + (passed ? data.labels.passed : data.labels.failed);
    result.setAttribute("data-score", String(raw));
    result.setAttribute("data-status", passed ? "passed" : "failed");
    var scorm = window.openbchScorm;
    scorm.start();
    scorm.set("cmi.core.score.min", 0);
    scorm.set("cmi.core.score.max", 100);
    scorm.set("cmi.core.score.raw", raw);
    scorm.set("cmi.core.lesson_status", passed ? "passed" : "failed");
    scorm.commit();
    form.querySelector("button[type=submit]").disabled = true;
    again.hidden = passed;
    var cmi5 = window.openbchCmi5;
    if (cmi5 && cmi5.active()) {
      cmi5.judge(score, data.pass_mark);
      again.hidden = true; // cmi5 allows one judgement per session: the LMS launches a new one
    }
  });
  again.addEventListener("click", function () {
    form.querySelector("button[type=submit]").disabled = false;
    render();
  });
  render();
})();
