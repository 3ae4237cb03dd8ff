/* Small progressive enhancements; every page works without JavaScript. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // "Select all" checkbox of the entries table.
    document.querySelectorAll("input[data-select-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        var name = box.getAttribute("data-select-all");
        document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (b) {
          b.checked = box.checked;
        });
      });
    });
    // Typing in a conflict's "other value" box selects that option.
    document.querySelectorAll("input[data-custom]").forEach(function (input) {
      input.addEventListener("input", function () {
        var radio = document.getElementById(input.getAttribute("data-custom"));
        if (radio) { radio.checked = true; }
      });
    });
    // The answer editor shows the current value of the chosen question.
    var select = document.getElementById("edit-name");
    var data = document.getElementById("edit-values");
    var value = document.getElementById("edit-value");
    if (select && data && value) {
      var values = {};
      JSON.parse(data.textContent).forEach(function (q) { values[q.name] = q.value; });
      var show = function () { value.value = values[select.value] || ""; };
      select.addEventListener("change", show);
      show();
    }
  });
})();
