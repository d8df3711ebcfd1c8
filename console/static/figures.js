// The charts of "Vandaag" and "Periode": drawn with the vendored uPlot from the page's own JSON
// block (#chart-data), which holds the same figures as the tables below each chart. The server
// makes every figure; this script only draws them.
"use strict";

(function () {
  // Colours with at least 3:1 contrast against white (WCAG 1.4.11, graphical objects).
  const COLOURS = {
    offered: "#1b1b1b",
    answered: "#1d5e2a",
    abandoned: "#a4001d",
    overflowed_closed: "#6b3fa0",
    overflowed_no_agents: "#b34700",
    overflowed_queue_full: "#0b5394",
    overflowed_wait_timeout: "#8a5a00",
    overflowed_error: "#5c5c5c",
    service_level: "#003b5c",
  };
  const HEIGHT = 280;

  function width(element) {
    return Math.max(280, Math.floor(element.getBoundingClientRect().width));
  }

  function pad(number) {
    return String(number).padStart(2, "0");
  }

  // Times on the axis and in the legend as the tables write them: 14:00, or 04-12 at midnight
  // and per day.
  function timeText(data, local) {
    const date = pad(local.getDate()) + "-" + pad(local.getMonth() + 1);
    const clock = pad(local.getHours()) + ":" + pad(local.getMinutes());
    if (data.step === "day") {
      return date;
    }
    const oneDay = data.times.length > 0 && data.times[data.times.length - 1] - data.times[0] < 86400;
    return oneDay || clock !== "00:00" ? clock : date;
  }

  function callsChart(data, element) {
    const keys = data.keys;
    const local = function (ts) {
      return uPlot.tzDate(new Date(ts * 1000), data.timezone);
    };
    const series = [
      {
        label: data.step === "day" ? "Dag" : "Tijd",
        value: function (u, ts) {
          if (ts === null || ts === undefined) {
            return "–";
          }
          const at = local(ts);
          const date = pad(at.getDate()) + "-" + pad(at.getMonth() + 1);
          return data.step === "day" ? date : date + " " + pad(at.getHours()) + ":" + pad(at.getMinutes());
        },
      },
    ];
    for (const key of keys) {
      const percent = key === "service_level";
      series.push({
        label: data.labels[key],
        stroke: COLOURS[key] || "#1b1b1b",
        width: percent ? 2 : 1.5,
        dash: percent ? [6, 4] : undefined,
        scale: percent ? "%" : "calls",
        spanGaps: false,
        value: function (u, v) {
          if (v === null || v === undefined) {
            return "–";
          }
          return percent ? v.toFixed(2).replace(".", ",") + " %" : String(v);
        },
      });
    }
    const options = {
      width: width(element),
      height: HEIGHT,
      tzDate: local,
      scales: { x: { time: true }, calls: { auto: true }, "%": { auto: false, range: [0, 100] } },
      axes: [
        {
          values: function (u, splits) {
            return splits.map(function (ts) { return timeText(data, local(ts)); });
          },
        },
        { scale: "calls", label: "Oproepen" },
        { scale: "%", side: 1, label: "Service level (%)", grid: { show: false } },
      ],
      series: series,
    };
    const columns = [data.times].concat(keys.map(function (key) { return data.series[key]; }));
    return new uPlot(options, columns, element);
  }

  function waitsChart(data, element) {
    const waits = data.waits;
    const kinds = [
      ["overflowed", "Doorgeschakeld", COLOURS.overflowed_queue_full],
      ["abandoned", "Afgehaakt", COLOURS.abandoned],
      ["answered", "Beantwoord", COLOURS.answered],
    ];
    // Stacked bars: each series is drawn as the sum of itself and the ones under it, the
    // tallest first; the legend shows each kind's own count.
    const order = ["answered", "abandoned", "overflowed"];
    const stacked = {};
    let running = waits.bands.map(function () { return 0; });
    for (const kind of order) {
      running = running.map(function (sum, index) { return sum + waits[kind][index]; });
      stacked[kind] = running.slice();
    }
    const bars = uPlot.paths.bars({ size: [0.6, 80] });
    const series = [{ label: "Wachttijd", value: function (u, v) { return v === null ? "–" : waits.bands[v]; } }];
    for (const [kind, label, colour] of kinds) {
      series.push({
        label: label,
        stroke: colour,
        fill: colour,
        paths: bars,
        points: { show: false },
        value: function (u, v, seriesIndex, index) {
          return index === null ? "–" : String(waits[kind][index]);
        },
      });
    }
    const options = {
      width: width(element),
      height: HEIGHT,
      scales: { x: { time: false, range: [-0.5, waits.bands.length - 0.5] }, y: { range: [0, null] } },
      axes: [
        {
          splits: function () { return waits.bands.map(function (_, index) { return index; }); },
          values: function (u, splits) { return splits.map(function (index) { return waits.bands[index]; }); },
          grid: { show: false },
        },
        { label: "Oproepen" },
      ],
      series: series,
    };
    const xs = waits.bands.map(function (_, index) { return index; });
    const columns = [xs].concat(kinds.map(function (kind) { return stacked[kind[0]]; }));
    return new uPlot(options, columns, element);
  }

  function start() {
    const block = document.getElementById("chart-data");
    if (block === null || typeof uPlot === "undefined") {
      return;
    }
    const data = JSON.parse(block.textContent);
    const charts = [];
    const calls = document.getElementById("chart-calls");
    if (calls !== null && data.times.length > 0) {
      charts.push([calls, callsChart(data, calls)]);
    }
    const waits = document.getElementById("chart-waits");
    if (waits !== null) {
      charts.push([waits, waitsChart(data, waits)]);
    }
    let pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        for (const [element, chart] of charts) {
          chart.setSize({ width: width(element), height: HEIGHT });
        }
      }, 100);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
