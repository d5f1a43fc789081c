/* Charts of the 一网通办 statistics (/cases/stats/). Data comes from the page's json_script
   element "cases-stats-data"; no inline script, no network request. */
(function () {
  "use strict";
  var node = document.getElementById("cases-stats-data");
  if (!node || typeof echarts === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var L = data.labels;
  var COLORS = ["#1f5fae", "#2e9d6b", "#e0a030", "#c8553d"];
  var charts = [];

  function init(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var c = echarts.init(el, null, { renderer: "canvas" });
    charts.push(c);
    return c;
  }

  /* received and completed per day: a series in time, so the points are joined */
  var trend = init("chart-trend");
  if (trend) {
    trend.setOption({
      animation: false,
      color: COLORS,
      title: { text: L.trend, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 24, right: 24, top: 44, bottom: 36, containLabel: true },
      xAxis: { type: "category", data: data.trend.days, boundaryGap: false },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { type: "line", name: L.received, data: data.trend.received, showSymbol: false },
        { type: "line", name: L.completed, data: data.trend.completed, showSymbol: false }
      ]
    });
  }

  /* volumes as bars (left axis) and the on-time rate as dots (right axis, %): districts are
     categories, not a series in time, so the dots are not joined */
  var district = init("chart-district");
  if (district) {
    district.setOption({
      animation: false,
      title: { text: L.district, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, type: "scroll" },
      grid: { left: 8, right: 8, top: 44, bottom: 36, containLabel: true },
      xAxis: { type: "category", data: data.district.names,
               axisLabel: { interval: 0, width: 90, overflow: "truncate" } },
      yAxis: [
        { type: "value", minInterval: 1 },
        { type: "value", min: 0, max: 100, splitLine: { show: false },
          axisLabel: { formatter: "{value}%" } }
      ],
      series: [
        { type: "bar", name: L.received, data: data.district.received, itemStyle: { color: "#c9d6ea" } },
        { type: "bar", name: L.completed, data: data.district.completed, itemStyle: { color: COLORS[1] } },
        { type: "line", name: L.on_time, yAxisIndex: 1, data: data.district.on_time, symbol: "circle",
          symbolSize: 10, lineStyle: { opacity: 0 }, itemStyle: { color: COLORS[2] } }
      ]
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
                 barMaxWidth: 22, itemStyle: { color: COLORS[0] },
                 label: { show: true, position: "right", formatter: "{c}" } }]
    });
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
