// Car Care Hub dashboards: live figures over server-sent events.
// Blocks ([data-block]) are replaced in place with server-rendered HTML.
(function () {
  "use strict";
  var main = document.getElementById("main");
  var url = main && main.getAttribute("data-events");
  var live = document.getElementById("live");
  if (!url || !window.EventSource) {
    if (live) live.textContent = "";
    return;
  }
  var applied = document.getElementById("applied");
  var activity = document.getElementById("activity");
  var source = new EventSource(url);

  function say(text) {
    if (!activity) return;
    var li = document.createElement("li");
    li.textContent = text;
    activity.insertBefore(li, activity.firstChild);
    while (activity.children.length > 8) activity.removeChild(activity.lastChild);
  }

  function replace(block) {
    var els = document.querySelectorAll('[data-block="' + block.id + '"]');
    for (var i = 0; i < els.length; i++) {
      els[i].innerHTML = block.html;
      els[i].classList.remove("changed");
      void els[i].offsetWidth; // restart the highlight
      els[i].classList.add("changed");
    }
  }

  source.addEventListener("hello", function () {
    live.textContent = "live";
    live.className = "live on";
  });

  source.addEventListener("update", function (e) {
    var u = JSON.parse(e.data);
    for (var i = 0; i < u.blocks.length; i++) replace(u.blocks[i]);
    if (applied) applied.textContent = u.applied;
    var n = u.changed.length || u.blocks.length;
    if (n > 0) say(u.at + ": " + n + (n === 1 ? " figure" : " figures") + " updated");
  });

  source.onerror = function () {
    live.textContent = "reconnecting…";
    live.className = "live";
  };

  window.addEventListener("pagehide", function () { source.close(); });
})();
