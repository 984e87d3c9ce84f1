// The pages' own behaviour, kept out of the HTML so that the Content-Security-Policy can refuse
// every inline script.
(function () {
  "use strict";

  // The language switch in the top bar takes effect as soon as a language is chosen.
  // So does a list's filter (a bar of choices above the list) as soon as a choice is made.
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (event.target.id === "kc-language-select" || (form && form.dataset.autosubmit)) {
      form.submit();
    }
  });

  // While someone types into a field with a length limit, show how many characters are used:
  // "120 / 2000". The limit itself comes from the form (maxlength); the server checks it again.

  function limitOf(field) {
    var holder = field.closest("[maxlength]");
    var limit = holder ? parseInt(holder.getAttribute("maxlength"), 10) : NaN;
    return isNaN(limit) ? null : { holder: holder, limit: limit };
  }

  function counterAfter(holder) {
    var next = holder.nextElementSibling;
    if (next && next.classList.contains("kc-count")) {
      return next;
    }
    var counter = document.createElement("span");
    counter.className = "kc-count";
    counter.setAttribute("aria-live", "polite");
    holder.insertAdjacentElement("afterend", counter);
    return counter;
  }

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!(field instanceof HTMLTextAreaElement || field instanceof HTMLInputElement)) {
      return;
    }
    var found = limitOf(field);
    if (!found) {
      return;
    }
    var used = field.value.length;
    var counter = counterAfter(found.holder);
    counter.textContent = used + " / " + found.limit;
    counter.classList.toggle("kc-count--full", used >= found.limit);
  });
})();

// A running import's progress bar: asks the server how far the job has come, and shows the
// finished page once the job is done (or has stopped).
(function () {
  "use strict";

  var POLL_MS = 1500;

  function follow(box) {
    if (box.dataset.following) {
      return;
    }
    box.dataset.following = "1";
    var bar = box.querySelector("progress");
    var phase = box.querySelector("[data-progress-phase]");
    var percent = box.querySelector("[data-progress-percent]");
    function poll() {
      if (!document.body.contains(box)) {
        return; // the page was left
      }
      fetch(box.dataset.progressUrl, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (response.redirected || response.status === 403 || response.status === 404) {
            return { status: "gone" }; // signed out, or no longer theirs: the page says why
          }
          if (!response.ok) {
            throw new Error("status " + response.status); // a restart: ask again, later
          }
          return response.json();
        })
        .then(function (found) {
          if (!document.body.contains(box)) {
            return; // the user has moved on meanwhile
          }
          if (found.status !== "committing") {
            window.location.reload();
            return;
          }
          bar.value = found.percent;
          percent.textContent = found.percent;
          var label = box.dataset[found.phase === "writing" ? "phaseWriting" : "phaseChecking"];
          phase.textContent = label;
          window.setTimeout(poll, POLL_MS);
        })
        .catch(function () {
          window.setTimeout(poll, POLL_MS * 4); // the network dropped: try again, less often
        });
    }
    window.setTimeout(poll, POLL_MS);
  }

  function start() {
    document.querySelectorAll("[data-progress-url]").forEach(follow);
  }

  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("turbo:load", start);
})();

// The figures' charts (控辍指标): drawn with the vendored ECharts from the numbers the page also
// shows in its tables (json_script, not run as code).
(function () {
  "use strict";

  function options(kind, data) {
    var grid = { left: 48, right: 16, top: 40, bottom: 64, containLabel: true };
    var legend = { top: 0, type: "scroll" };
    if (kind === "trend") {
      var target = data.months.map(function () { return data.target; });
      return {
        grid: grid, legend: legend, tooltip: { trigger: "axis", valueFormatter: percent },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", axisLabel: { formatter: "{value} %" } },
        series: [
          { name: data.names[0], type: "line", data: data.lianji, connectNulls: true },
          { name: data.names[1], type: "line", data: data.dictionary, connectNulls: true },
          { name: data.names[2], type: "line", data: target, lineStyle: { type: "dashed" },
            symbol: "none" }
        ]
      };
    }
    if (kind === "overdue") {
      return {
        grid: grid, legend: legend, tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.schools, axisLabel: { rotate: 30 } },
        yAxis: { type: "value", minInterval: 1 },
        series: data.series.map(function (line) {
          return { name: line.name, type: "bar", stack: "stages", data: line.data };
        })
      };
    }
    return {
      grid: grid, legend: legend, tooltip: { trigger: "axis", valueFormatter: percent },
      xAxis: { type: "category", data: data.days },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value} %" } },
      series: data.series.map(function (line) {
        return { name: line.name, type: "line", data: line.data, connectNulls: true };
      })
    };
  }

  function percent(value) {
    return value === null || value === undefined ? "—" : value + " %";
  }

  function draw() {
    var source = document.getElementById("kc-charts");
    if (!source) {
      return;
    }
    if (!window.echarts) {
      // Reached through Turbo: the library's script is still loading; draw once it has.
      var script = document.querySelector("script[src*='echarts']");
      if (script) {
        script.addEventListener("load", draw, { once: true });
      }
      return;
    }
    var charts = JSON.parse(source.textContent);
    document.querySelectorAll(".kc-chart[data-chart]").forEach(function (box) {
      var old = window.echarts.getInstanceByDom(box);
      if (old) {
        old.dispose();
      }
      var chart = window.echarts.init(box, null, { renderer: "svg" });
      chart.setOption(options(box.dataset.chart, charts[box.dataset.chart]));
      box.dataset.drawn = "1";
    });
  }

  function resize() {
    if (!window.echarts) {
      return;
    }
    document.querySelectorAll(".kc-chart[data-drawn]").forEach(function (box) {
      var chart = window.echarts.getInstanceByDom(box);
      if (chart) {
        chart.resize();
      }
    });
  }

  // The first load, and every page Turbo (viewflow's navigation) shows without a reload.
  document.addEventListener("turbo:load", draw);
  window.addEventListener("resize", resize);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
