// @mention autocomplete in Markdown editors: type @ and the first letters of a username.
(function () {
  "use strict";
  var box = document.createElement("ul");
  box.className = "mention-box";
  box.hidden = true;
  box.setAttribute("role", "listbox");
  document.body.appendChild(box);
  var active = null;

  function word(textarea) {
    var before = textarea.value.slice(0, textarea.selectionStart);
    var m = /(^|[^\w@])@([a-z0-9_]{1,30})$/.exec(before);
    return m ? m[2] : null;
  }

  function close() { box.hidden = true; box.textContent = ""; }

  function pick(textarea, username) {
    var pos = textarea.selectionStart;
    var before = textarea.value.slice(0, pos).replace(/@([a-z0-9_]{1,30})$/, "@" + username + " ");
    textarea.value = before + textarea.value.slice(pos);
    textarea.selectionStart = textarea.selectionEnd = before.length;
    textarea.focus();
    close();
  }

  document.addEventListener("input", function (event) {
    var textarea = event.target;
    if (!(textarea instanceof HTMLTextAreaElement)) { return; }
    var prefix = word(textarea);
    if (!prefix) { close(); return; }
    active = textarea;
    fetch("/api/users/mention?q=" + encodeURIComponent(prefix), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { users: [] }; })
      .then(function (data) {
        if (active !== textarea || word(textarea) !== prefix) { return; }
        box.textContent = "";
        data.users.forEach(function (u) {
          var li = document.createElement("li");
          li.setAttribute("role", "option");
          li.textContent = "@" + u.username + " " + u.name;
          li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(textarea, u.username); });
          box.appendChild(li);
        });
        var rect = textarea.getBoundingClientRect();
        box.style.left = (window.scrollX + rect.left) + "px";
        box.style.top = (window.scrollY + rect.bottom) + "px";
        box.hidden = data.users.length === 0;
      });
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") { close(); } });
})();
