// changegate's pages: the live inbox (polling with ETags) and the countdowns. Everything works without this
// script except that the inbox then needs a reload to show new requests.
"use strict";
(function () {
  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    if (seconds < 60) return seconds + " s";
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + " min";
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    if (hours < 48) return hours + " h" + (minutes ? " " + minutes + " min" : "");
    return Math.floor(hours / 24) + " days";
  }

  function tick() {
    var now = Date.now() / 1000;
    document.querySelectorAll("[data-expires]").forEach(function (el) {
      var left = Number(el.getAttribute("data-expires")) - now;
      el.textContent = left <= 0 ? "expired" : duration(left) + " left";
      el.classList.toggle("soon", left > 0 && left < 300);
    });
  }

  function requestIds(box) {
    var ids = {};
    box.querySelectorAll("#pending [data-request]").forEach(function (el) {
      ids[el.getAttribute("data-request")] = el;
    });
    return ids;
  }

  function live(box) {
    var url = box.getAttribute("data-live");
    var every = Number(box.getAttribute("data-poll-ms")) || 2000;
    var status = document.getElementById("live-status");
    var etag = box.getAttribute("data-etag");
    var failures = 0;

    function say(text, isError) {
      if (!status) return;
      status.textContent = text;
      status.classList.toggle("error", !!isError);
    }

    function schedule() {
      window.setTimeout(poll, every * Math.min(1 + failures, 10));
    }

    function poll() {
      if (document.hidden) return schedule();
      var headers = { "X-Changegate-Poll": "1" };
      if (etag) headers["If-None-Match"] = etag;
      fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" }).then(function (response) {
        if (response.status === 401 || response.status === 403) {
          say("Your session has ended, so this list no longer updates. Reload the page to sign in again.", true);
          return null;  // stop polling: nothing more will come
        }
        failures = 0;
        if (response.status !== 200) return schedule();
        etag = response.headers.get("ETag");
        return response.text().then(function (html) {
          var before = requestIds(box);
          box.innerHTML = html;
          var fresh = [];
          var after = requestIds(box);
          Object.keys(after).forEach(function (id) {
            if (!before[id]) {
              after[id].classList.add("new");
              var summary = after[id].querySelector(".summary");
              fresh.push(summary ? summary.textContent : id);
            }
          });
          if (fresh.length === 1) say("New request: " + fresh[0]);
          else if (fresh.length > 1) say(fresh.length + " new requests");
          tick();
          schedule();
        });
      }).catch(function () {
        failures += 1;
        say("Lost contact with the server; trying again…", true);
        schedule();
      });
    }

    schedule();
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 1000);
    var box = document.querySelector("[data-live]");
    if (box) live(box);
  });
})();
