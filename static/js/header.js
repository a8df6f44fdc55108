// The header: the phone menu button opens and closes the navigation (aria-expanded), and the
// account menu (a <details>) closes on Escape or a click elsewhere. Without this script the phone
// menu stays open (css/nojs.css) and the account menu still opens and closes by itself.
(function () {
  "use strict";
  var toggle = document.querySelector(".menu-toggle");
  var menu = document.getElementById("site-menu");
  if (toggle && menu) {
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
  }
  var account = document.querySelector(".account-menu");
  if (account) {
    document.addEventListener("click", function (e) {
      if (account.open && !account.contains(e.target)) { account.open = false; }
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && account.open) {
        account.open = false;
        account.querySelector("summary").focus();
      }
    });
  }
})();
