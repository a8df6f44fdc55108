// Profile: type a municipality's name in kanji, ひらがな or カタカナ and pick it from the list.
// Without JavaScript the typed name is resolved on the server, so the field works either way.
(function () {
  "use strict";
  var input = document.querySelector("input[data-lookup]");
  if (!input) { return; }
  var box = document.getElementById("municipality-options");
  var code = document.getElementById("municipality_code");
  var kind = document.getElementById("organisation_kind");
  var pref = document.getElementById("prefecture");
  var band = document.getElementById("population_band");
  var items = [];
  var current = -1;
  var timer = null;
  var asked = "";

  function close() {
    box.hidden = true; box.textContent = ""; items = []; current = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function choose(m) {
    input.value = m.label;
    code.value = m.code;
    if (kind) { kind.value = m.kind === "都道府県" ? "prefecture" : "municipality"; }
    if (pref) { pref.value = m.prefecture_code; }
    if (band && m.band) { band.value = m.band; }
    close();
  }

  function highlight(i) {
    var lis = box.querySelectorAll("li");
    lis.forEach(function (li, n) { li.setAttribute("aria-selected", n === i ? "true" : "false"); });
    current = i;
    if (lis[i]) { input.setAttribute("aria-activedescendant", lis[i].id); }
  }

  function show(list) {
    box.textContent = "";
    items = list;
    list.forEach(function (m, n) {
      var li = document.createElement("li");
      li.id = "municipality-option-" + n;
      li.setAttribute("role", "option");
      li.textContent = m.name;
      var small = document.createElement("span");
      small.className = "pref";
      small.textContent = m.prefecture + " · " + m.kana;
      li.appendChild(small);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(m); });
      box.appendChild(li);
    });
    box.style.left = input.offsetLeft + "px";
    box.style.minWidth = input.offsetWidth + "px";
    box.style.top = (input.offsetTop + input.offsetHeight) + "px";
    box.hidden = list.length === 0;
    input.setAttribute("aria-expanded", list.length ? "true" : "false");
    current = -1;
  }

  function lookup() {
    var q = input.value.trim();
    if (!q || q === asked) { if (!q) { close(); } return; }
    asked = q;
    fetch(input.dataset.lookup + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { municipalities: [] }; })
      .then(function (data) { if (input.value.trim() === q) { show(data.municipalities); } })
      .catch(function () { close(); });
  }

  input.addEventListener("input", function () {
    code.value = "";
    asked = "";
    clearTimeout(timer);
    timer = setTimeout(lookup, 150);
  });
  input.addEventListener("keydown", function (e) {
    if (box.hidden) { return; }
    if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(current + 1, items.length - 1)); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(current - 1, 0)); }
    else if (e.key === "Enter" && current >= 0) { e.preventDefault(); choose(items[current]); }
    else if (e.key === "Escape") { close(); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
})();
