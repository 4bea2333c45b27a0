/* The management centre's forms: small enhancements only; every form works without this file.
 *  - marks the page as scripted (<html class="js">): the stylesheet then hides the fields that do
 *    not apply (the server marks them), and htmx re-renders the fields when one that the
 *    conditions read changes;
 *  - reference pickers (hidden without JavaScript) are shown; choosing a candidate fills the input;
 *  - Enter in a picker's search box searches instead of submitting the record's form;
 *  - what the user changed while a re-render was on its way is kept: the server renders the values
 *    it was sent, so the values in the page just before the swap are put back into the new region.
 */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function showPickers() {
    var pickers = document.querySelectorAll("[data-picker]");
    for (var i = 0; i < pickers.length; i++) {
      pickers[i].hidden = false;
    }
  }

  showPickers();
  document.addEventListener("DOMContentLoaded", showPickers);
  document.addEventListener("htmx:afterSettle", showPickers);

  var REGION = "draft-fields";
  var kept = null;

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== REGION) {
      return;
    }
    kept = {};
    var inputs = target.querySelectorAll("input[id], select[id], textarea[id]");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      kept[input.id] = input.type === "checkbox" || input.type === "radio" ? input.checked : input.value;
    }
  });

  document.addEventListener("htmx:afterSwap", function () {
    var region = document.getElementById(REGION);
    if (!kept || !region) {
      return;
    }
    var inputs = region.querySelectorAll("input[id], select[id], textarea[id]");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (!Object.prototype.hasOwnProperty.call(kept, input.id)) {
        continue;
      }
      if (input.type === "checkbox" || input.type === "radio") {
        input.checked = kept[input.id];
      } else {
        input.value = kept[input.id];
      }
    }
    kept = null;
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target.matches && target.matches("[data-picker-search]")) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-pick-for]");
    if (!button) {
      return;
    }
    var input = document.getElementById(button.getAttribute("data-pick-for"));
    if (!input) {
      return;
    }
    input.value = button.getAttribute("data-pick-value");
    var title = document.getElementById(input.id + "-title");
    if (title) {
      title.textContent = button.getAttribute("data-pick-label");
    }
    var results = button.closest(".picker-results");
    if (results) {
      results.textContent = "";
    }
    input.dispatchEvent(new Event("change", { bubbles: true }));
    input.focus();
  });
})();
