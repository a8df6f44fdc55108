// While a title is typed on the ask form, list questions already asked with similar titles.
(function () {
  "use strict";
  var input = document.querySelector("[data-similar-target]");
  if (!input) { return; }
  var box = document.getElementById(input.dataset.similarTarget);
  var list = box.querySelector("ul");
  var timer = null;
  var last = "";

  function render(questions) {
    list.textContent = "";
    questions.forEach(function (q) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = q.url;
      a.textContent = q.title; // text, never HTML
      a.target = "_blank";
      a.rel = "noopener";
      li.appendChild(a);
      if (q.status === "resolved") { li.className = "resolved"; }
      list.appendChild(li);
    });
    box.hidden = questions.length === 0;
  }

  function lookup() {
    var title = input.value.trim();
    if (title === last) { return; }
    last = title;
    if (title.length < 4) { render([]); return; }
    fetch("/api/questions/similar?title=" + encodeURIComponent(title), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { questions: [] }; })
      .then(function (data) { if (input.value.trim() === title) { render(data.questions); } })
      .catch(function () { render([]); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookup, 300);
  });
})();
