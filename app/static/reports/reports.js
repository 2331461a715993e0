/* Report pages: sortable tables, ECharts from JSON blocks, job progress. No network but this site. */
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.children[index];
    if (!cell) { return ""; }
    var v = cell.getAttribute("data-v");
    if (v === null) { v = cell.textContent.trim(); }
    var n = parseFloat(v);
    return (v !== "" && !isNaN(n) && isFinite(v)) ? n : v;
  }

  function makeSortable(table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, index) {
      th.classList.add("sortable");
      th.setAttribute("title", "点击排序");
      th.addEventListener("click", function () {
        var asc = th.getAttribute("data-dir") !== "asc";
        heads.forEach(function (h) { h.removeAttribute("data-dir"); });
        th.setAttribute("data-dir", asc ? "asc" : "desc");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          var empty = function (z) { return z === "" || z === "—"; };
          if (empty(x) && !empty(y)) { return 1; }
          if (empty(y) && !empty(x)) { return -1; }
          var r = (typeof x === "number" && typeof y === "number") ? x - y
            : String(x).localeCompare(String(y), "zh-Hans-CN");
          return asc ? r : -r;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function charts() {
    if (typeof echarts === "undefined") { return; }
    document.querySelectorAll(".echart[data-option]").forEach(function (el) {
      var src = document.getElementById(el.getAttribute("data-option"));
      if (!src) { return; }
      var chart = echarts.init(el);
      chart.setOption(JSON.parse(src.textContent));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function pollJob(box) {
    var url = box.getAttribute("data-status-url");
    var bar = box.querySelector(".progress-bar");
    var msg = box.querySelector(".job-message");
    var done = box.querySelector(".job-done");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (job) {
          bar.style.width = job.progress + "%";
          bar.textContent = job.progress + "%";
          msg.textContent = job.status_label + "：" + job.message;
          if (job.status === "done") {
            bar.classList.add("progress-bar-success");
            if (job.url) {
              var a = document.createElement("a");
              a.href = job.url; a.className = "btn btn-primary"; a.textContent = job.link_label;
              done.appendChild(a);
            }
          } else if (job.status === "failed") {
            bar.classList.add("progress-bar-danger");
          } else {
            window.setTimeout(tick, 1000);
          }
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    }
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("table.sortable-table").forEach(makeSortable);
    document.querySelectorAll(".job-progress[data-status-url]").forEach(pollJob);
    charts();
  });
}());
