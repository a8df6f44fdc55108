// While a title is typed on the ask form, list questions already asked with similar titles.
(function () {
  "use strict";
  var input = document.querySelector("[data-similar-target]");
  if (!input) { return; }
  var box = document.getElementById(input.dataset.similarTarget);
  var list = box.querySelector("ul");
  var timer = null;
  var last = "";

  var caseBox = document.getElementById(input.dataset.similarCases || "");
  var caseList = caseBox ? caseBox.querySelector("ul") : null;

  function renderCases(cases) {
    if (!caseList) { return; }
    caseList.textContent = "";
    cases.forEach(function (c) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = c.url;
      a.textContent = c.title;
      a.target = "_blank";
      a.rel = "noopener";
      li.appendChild(a);
      caseList.appendChild(li);
    });
    caseBox.hidden = cases.length === 0;
  }

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
    if (title.length < 4) { render([]); renderCases([]); return; }
    fetch("/api/questions/similar?title=" + encodeURIComponent(title), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { questions: [], cases: [] }; })
      .then(function (data) {
        if (input.value.trim() === title) { render(data.questions); renderCases(data.cases || []); }
      })
      .catch(function () { render([]); renderCases([]); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookup, 300);
  });
})();
