/* Charts of the public 好差评 statistics (/ratings/stats/). Data comes from the page's
   json_script element "ratings-stats-data"; no inline script, no network request. */
(function () {
  "use strict";
  var node = document.getElementById("ratings-stats-data");
  if (!node || typeof echarts === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var L = data.labels;
  var charts = [];
  var LEVEL_COLOURS = {
    very_satisfied: "#1f7a3a", satisfied: "#4caf50", neutral: "#9ccc65",
    dissatisfied: "#f08c00", very_dissatisfied: "#c92a2a"
  };

  function init(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var c = echarts.init(el, null, { renderer: "canvas" });
    charts.push(c);
    return c;
  }

  var levels = init("chart-levels");
  if (levels) {
    levels.setOption({
      animation: false,
      title: { text: L.levels, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0, itemWidth: 12, itemHeight: 8, itemGap: 6, textStyle: { fontSize: 11 } },
      series: [{
        type: "pie", radius: ["28%", "52%"], center: ["50%", "52%"],
        data: data.levels.filter(function (l) { return l.value > 0; }).map(function (l) {
          return { name: l.name, value: l.value, itemStyle: { color: LEVEL_COLOURS[l.code] } };
        }),
        label: { formatter: "{b}\n{c}", fontSize: 11 }
      }]
    });
  }

  var dept = init("chart-department");
  if (dept) {
    var values = data.department.values.filter(function (v) { return v !== null; });
    var low = values.length ? Math.max(0, Math.floor(Math.min.apply(null, values)) - 5) : 0;
    dept.setOption({
      animation: false,
      title: { text: L.department, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 40, bottom: 8, top: 40, containLabel: true },
      xAxis: { type: "value", min: low, max: 100 },
      yAxis: { type: "category", data: data.department.names,
               axisLabel: { width: 130, overflow: "truncate" } },
      series: [{ type: "bar", name: L.good_rate, data: data.department.values,
                 barMaxWidth: 22, itemStyle: { color: "#1f5fae" },
                 label: { show: true, position: "right", formatter: "{c}" } }]
    });
  }

  var channel = init("chart-channel");
  if (channel) {
    channel.setOption({
      animation: false,
      title: { text: L.channel, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0 },
      series: [{ type: "pie", radius: "50%", center: ["50%", "52%"], data: data.channel,
                 label: { formatter: "{b}\n{c}", fontSize: 11 } }]
    });
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
