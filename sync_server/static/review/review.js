/* Small progressive enhancements; every page works without JavaScript. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // The photos a ZIP export will hold, before the download (a streamed ZIP has no length).
    var size = document.getElementById("export-zip-size");
    if (size && window.fetch) {
      fetch(size.getAttribute("data-size-url"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) { return; }
          var b = s.photo_bytes, unit = "B";
          [["KB", 1e3], ["MB", 1e6], ["GB", 1e9]].forEach(function (u) {
            if (s.photo_bytes >= u[1]) { b = s.photo_bytes / u[1]; unit = u[0]; }
          });
          var shown = (unit === "B" ? String(b) : b.toFixed(1)) + " " + unit;
          size.textContent = size.getAttribute("data-text")
            .replace("{photos}", String(s.photos)).replace("{size}", shown);
        })
        .catch(function () { /* the size is a hint; the export links work without it */ });
    }
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
