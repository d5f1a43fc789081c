/* Charts of the 政企直通 statistics (/policy/stats/). Data comes from the page's json_script
   element "policy-stats-data"; no inline script, no network request. The tables under the
   charts hold the same numbers. */
(function () {
  "use strict";
  var node = document.getElementById("policy-stats-data");
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

  function title(text) {
    return { text: text, left: "center", textStyle: { fontSize: 14 } };
  }

  /* pushes made and read per day: a series in time, so the points are joined */
  var trend = init("chart-trend");
  if (trend) {
    trend.setOption({
      animation: false,
      color: COLORS,
      title: title(L.trend),
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 24, right: 24, top: 44, bottom: 36, containLabel: true },
      xAxis: { type: "category", data: data.trend.days, boundaryGap: false },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { type: "line", name: L.pushes, data: data.trend.pushes, showSymbol: false },
        { type: "line", name: L.reads, data: data.trend.reads, showSymbol: false }
      ]
    });
  }

  /* pushes and enterprises reached as bars (left axis), the two rates as dots (right axis,
     %): districts are categories, not a series in time, so the dots are not joined */
  var district = init("chart-district");
  if (district) {
    district.setOption({
      animation: false,
      title: title(L.district),
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
        { type: "bar", name: L.pushes, data: data.district.pushes, itemStyle: { color: "#c9d6ea" } },
        { type: "bar", name: L.reached, data: data.district.reached, itemStyle: { color: COLORS[0] } },
        { type: "line", name: L.delivery_rate, yAxisIndex: 1, data: data.district.delivery_rate,
          symbol: "circle", symbolSize: 10, lineStyle: { opacity: 0 }, itemStyle: { color: COLORS[1] } },
        { type: "line", name: L.read_rate, yAxisIndex: 1, data: data.district.read_rate,
          symbol: "diamond", symbolSize: 11, lineStyle: { opacity: 0 }, itemStyle: { color: COLORS[2] } }
      ]
    });
  }

  var industry = init("chart-industry");
  if (industry) {
    industry.setOption({
      animation: false,
      title: title(L.industry),
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 40, bottom: 8, top: 40, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.industry.names,
               axisLabel: { width: 130, overflow: "truncate" } },
      series: [{ type: "bar", name: L.reached, data: data.industry.values, barMaxWidth: 22,
                 itemStyle: { color: COLORS[0] },
                 label: { show: true, position: "right", formatter: "{c}" } }]
    });
  }

  var dept = init("chart-department");
  if (dept) {
    dept.setOption({
      animation: false,
      title: title(L.department),
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { left: 8, right: 48, bottom: 36, top: 40, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: data.department.names,
               axisLabel: { width: 160, overflow: "truncate" } },
      series: [
        { type: "bar", name: L.grants, stack: "amount", data: data.department.grants,
          barMaxWidth: 22, itemStyle: { color: COLORS[1] } },
        { type: "bar", name: L.applications, stack: "amount", data: data.department.applications,
          barMaxWidth: 22, itemStyle: { color: COLORS[2] } }
      ]
    });
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
