// Write / Preview tabs for Markdown textareas. The server renders and sanitises the preview
// with the same code that saves the post, so what you see is what others will see.
(function () {
  "use strict";
  var token = document.querySelector('meta[name="csrf-token"]');

  function show(box, textarea, mode) {
    var output = box.querySelector(".md-output");
    box.querySelectorAll(".md-tab").forEach(function (tab) {
      tab.setAttribute("aria-selected", String(tab.dataset.mode === mode));
    });
    textarea.hidden = mode === "preview";
    output.hidden = mode !== "preview";
    if (mode !== "preview") { textarea.focus(); return; }
    if (!textarea.value.trim()) { output.textContent = output.dataset.empty; return; }
    fetch("/api/markdown/preview", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.content : "" },
      body: JSON.stringify({ source: textarea.value })
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      output.innerHTML = data.html; // sanitised by the server (nh3)
    }).catch(function () {
      output.textContent = output.dataset.failed;
    });
  }

  document.querySelectorAll("[data-preview-for]").forEach(function (box) {
    var textarea = document.getElementById(box.dataset.previewFor);
    if (!textarea) { return; }
    textarea.parentNode.insertBefore(box, textarea);
    box.hidden = false;
    box.querySelectorAll(".md-tab").forEach(function (tab) {
      tab.addEventListener("click", function () { show(box, textarea, tab.dataset.mode); });
    });
  });
})();
