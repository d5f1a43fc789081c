/* Charts of the catalogue's consistency report (/catalog/consistency/). Data comes from the
   page's json_script element "consistency-data"; no inline script, no network request. */
(function () {
  "use strict";
  var node = document.getElementById("consistency-data");
  if (!node || typeof echarts === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  var L = data.labels;
  var charts = [];

  function bars(id, title, block) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var c = echarts.init(el, null, { renderer: "canvas" });
    c.setOption({
      animation: false,
      title: { text: title, left: "center", textStyle: { fontSize: 14 } },
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 24, bottom: 8, top: 40, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", data: block.names, axisLabel: { width: 120, overflow: "truncate" } },
      series: [{ type: "bar", name: L.score, data: block.values, itemStyle: { color: "#1f5fae" },
                 label: { show: true, position: "right", formatter: "{c}" } }]
    });
    charts.push(c);
  }

  bars("chart-district", L.district, data.district);
  bars("chart-department", L.department, data.department);
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();
