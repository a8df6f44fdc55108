// Live updates over Socket.IO: the bell count, new answers and comments on a question page,
// and a "new questions" bar on circle pages. Events carry only ids; content is fetched over
// HTTP, where the viewer's permissions apply. Socket.IO falls back to long polling where a
// proxy blocks WebSocket (common on LGWAN).
(function () {
  "use strict";
  // A link to an answer or a comment from before answers were paginated (#answer-N only):
  // when that post is not on this page, ask the server for the page that holds it.
  var list = document.getElementById("answer-list");
  var old = /^#(answer|comment)-(\d+)$/.exec(location.hash);
  if (list && old && !document.getElementById(old[1] + "-" + old[2]) && location.search.indexOf(old[1] + "=") < 0) {
    location.replace(location.pathname + "?" + old[1] + "=" + old[2] + location.hash);
    return;
  }
  if (typeof io === "undefined") { return; }
  var socket = io({ transports: ["websocket", "polling"], tryAllTransports: true });

  socket.on("unread", function (data) {
    document.querySelectorAll(".bell-count").forEach(function (el) {
      el.textContent = String(data.unread);
      el.dataset.unread = String(data.unread);
      el.hidden = !data.unread;
    });
  });

  var answers = document.getElementById("answer-list");
  if (answers) {
    var qid = answers.dataset.questionId;
    var watch = function () { socket.emit("watch_question", { question_id: qid }); };
    // 「N件の回答」 / "N answers": the heading carries both wordings with {n} for the number.
    var countAnswer = function () {
      var heading = document.getElementById("answers");
      if (!heading || !heading.dataset.other) { return; }
      var n = (parseInt(heading.dataset.count, 10) || 0) + 1;
      heading.dataset.count = String(n);
      heading.textContent = (n === 1 ? heading.dataset.one : heading.dataset.other).replace("{n}", String(n));
    };
    socket.on("connect", watch);
    socket.on("answer_posted", function (data) {
      if (String(data.question_id) !== qid || document.getElementById("answer-" + data.answer_id)) { return; }
      // On an earlier page of a long thread the new answer belongs elsewhere: only count it.
      if (answers.dataset.lastPage === "false") { countAnswer(); return; }
      fetch("/questions/" + qid + "/answers/" + data.answer_id + "/fragment", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          if (!html || document.getElementById("answer-" + data.answer_id)) { return; }
          var tpl = document.createElement("template");
          tpl.innerHTML = html.trim(); // rendered and sanitised by the server for this viewer
          var added = tpl.content.firstElementChild;
          answers.appendChild(tpl.content);
          // A held answer shown to a moderator is not counted, as on the server.
          if (added && !added.classList.contains("is-hidden")) { countAnswer(); }
        });
    });
    socket.on("comment_posted", function (data) {
      if (String(data.question_id) !== qid || document.getElementById("comment-" + data.comment_id)) { return; }
      fetch("/questions/" + qid + "/comments/" + data.comment_id + "/fragment", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text().then(function (t) { return [r.headers.get("X-Comments-For"), t]; }) : [null, ""]; })
        .then(function (res) {
          var list = res[0] && document.querySelector('[data-comments-for="' + res[0] + '"]');
          if (!list || !res[1] || document.getElementById("comment-" + data.comment_id)) { return; }
          var tpl = document.createElement("template");
          tpl.innerHTML = res[1].trim();
          list.appendChild(tpl.content);
        });
    });
  }

  var bar = document.getElementById("new-questions");
  if (bar) {
    var count = 0;
    socket.on("connect", function () { socket.emit("watch_circle", { slug: bar.dataset.slug }); });
    socket.on("question_posted", function () {
      count += 1;
      bar.querySelector("[data-count]").textContent = String(count);
      bar.hidden = false;
    });
  }
})();
