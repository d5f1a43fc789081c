/* Charts of the hotline statistics page (/hotline/stats/). Data comes from the page's
   json_script element "stats-data"; no inline script, no network request. */
(function () {
  "use strict";
  var node = document.getElementById("stats-data");
  if (!node || typeof echarts === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var L = data.labels;
  var charts = [];

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var c = echarts.init(el, null, { renderer: "canvas" });
    option.animation = false;
    c.setOption(option);
    charts.push(c);
  }

  function bars(title, names, values, horizontal) {
    var cat = { type: "category", data: names, axisLabel: { interval: 0, width: 90, overflow: "truncate" } };
    var val = { type: "value", minInterval: 1 };
    return {
      title: { text: title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, bottom: 8, top: 40, containLabel: true },
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? cat : val,
      series: [{ type: "bar", name: L.received, data: values, itemStyle: { color: "#1f5fae" } }]
    };
  }

  chart("chart-trend", {
    title: { text: L.trend, left: "center", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    legend: { bottom: 0, data: [L.received, L.closed] },
    grid: { left: 8, right: 16, bottom: 32, top: 40, containLabel: true },
    xAxis: { type: "category", data: data.trend.days, boundaryGap: false },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { type: "line", name: L.received, data: data.trend.received },
      { type: "line", name: L.closed, data: data.trend.closed }
    ]
  });
  chart("chart-category", {
    title: { text: L.category, left: "center", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    series: [{ type: "pie", radius: ["35%", "65%"], top: 30, data: data.category }]
  });
  chart("chart-channel", bars(L.channel, data.channel.names, data.channel.values, false));
  chart("chart-district", bars(L.district, data.district.names, data.district.values, true));

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
