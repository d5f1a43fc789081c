/* Charts of the catalogue statistics (/catalog/stats/). Data comes from the page's json_script
   element "catalog-stats-data"; no inline script, no network request. */
(function () {
  "use strict";
  var node = document.getElementById("catalog-stats-data");
  if (!node || typeof echarts === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var L = data.labels;
  var COLORS = ["#1f5fae", "#2e9d6b", "#e0a030", "#c8553d", "#7a5cae", "#3aa6b9", "#8a8f98"];
  var charts = [];

  function init(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var c = echarts.init(el, null, { renderer: "canvas" });
    charts.push(c);
    return c;
  }

  function pie(id, title, rows) {
    var c = init(id);
    if (!c) { return; }
    c.setOption({
      animation: false,
      color: COLORS,
      title: { text: title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0, type: "scroll" },
      series: [{ type: "pie", radius: ["35%", "62%"], center: ["50%", "50%"], data: rows,
                 label: { formatter: "{b}\n{d}%" } }]
    });
  }

  /* item counts as bars (left axis) and the four rates as dots (right axis, %): the groups
     are categories, not a series in time, so the dots are not joined */
  function rates(id, title, block, horizontalLabels) {
    var c = init(id);
    if (!c) { return; }
    var line = function (name, values, color) {
      return { type: "line", name: name, yAxisIndex: 1, data: values, symbol: "circle",
               symbolSize: 10, lineStyle: { opacity: 0 }, itemStyle: { color: color } };
    };
    c.setOption({
      animation: false,
      title: { text: title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, type: "scroll" },
      grid: { left: 8, right: 8, top: 44, bottom: 36, containLabel: true },
      xAxis: { type: "category", data: block.names,
               axisLabel: { interval: 0, rotate: horizontalLabels ? 0 : 40, width: 90, overflow: "truncate" } },
      yAxis: [
        { type: "value", minInterval: 1 },
        { type: "value", min: 0, max: 100, splitLine: { show: false },
          axisLabel: { formatter: "{value}%" } }
      ],
      series: [
        { type: "bar", name: L.items, data: block.items, itemStyle: { color: "#c9d6ea" } },
        line(L.online, block.online, COLORS[0]),
        line(L.zero_visit, block.zero_visit, COLORS[1]),
        line(L.compression, block.compression, COLORS[2]),
        line(L.immediate, block.immediate, COLORS[3])
      ]
    });
  }

  pie("chart-kinds", L.kinds, data.kinds);
  pie("chart-depth", L.depth, data.depth);
  rates("chart-district", L.district, data.district, true);
  rates("chart-department", L.department, data.department, false);
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
