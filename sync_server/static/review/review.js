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
          // English chooses "1 file" / "2 files": the page gives both plural forms
          var text = s.photos === 1 ? "data-text-one" : "data-text";
          size.textContent = size.getAttribute(text)
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
    // Review shortcuts: a = approve, c = needs correction (then write the comment and press
    // Ctrl+Enter), j / k = next / previous entry of the list. Not while typing in a field.
    var reviewForm = document.getElementById("review-form");
    var typing = function (el) {
      return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
    };
    var pick = function (status) {
      var radio = reviewForm && reviewForm.querySelector('input[name=status][value="' + status + '"]');
      if (radio) { radio.checked = true; }
      return radio;
    };
    document.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey && ev.key === "Enter" && reviewForm && reviewForm.contains(ev.target)) {
        ev.preventDefault();
        reviewForm.requestSubmit(document.getElementById("review-save"));
        return;
      }
      if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) { return; }
      var link = null;
      if (ev.key === "j") { link = document.getElementById("next-entry"); }
      if (ev.key === "k") { link = document.getElementById("prev-entry"); }
      if (ev.key === "e") { link = document.getElementById("edit-in-form"); }
      if (link) { ev.preventDefault(); window.location.href = link.href; return; }
      if (ev.key === "a" && pick("approved")) {
        ev.preventDefault();
        reviewForm.requestSubmit(document.getElementById("review-save"));
      } else if (ev.key === "c" && pick("needs_correction")) {
        ev.preventDefault();
        document.getElementById("review-comment").focus();
      }
    });
    // Editing through the form: a changed answer sends the form back to the server, which
    // applies the skip logic, choice filters and checks (the form's expressions run in Python)
    // and shows it again at the same question. Without JavaScript: the "Update" button.
    var entryForm = document.getElementById("entry-form");
    if (entryForm) {
      var update = document.getElementById("form-update");
      var base = entryForm.getAttribute("action").split("#")[0];
      entryForm.addEventListener("change", function (ev) {
        var input = ev.target;
        if (!input.hasAttribute || !input.hasAttribute("data-refresh")) { return; }
        var box = input.closest(".fq");
        entryForm.setAttribute("action", box ? base + "#" + box.id : base);
        entryForm.requestSubmit(update);
      });
    }
    // On a phone the filters start folded away unless one is in use.
    var filterbox = document.getElementById("filterbox");
    if (filterbox && window.innerWidth < 700 && !filterbox.hasAttribute("data-active")) {
      filterbox.open = false;
    }
  });
})();
