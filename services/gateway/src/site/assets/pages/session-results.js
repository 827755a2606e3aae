// What the session page shows of its rounds: the value (k-means: the loss)
// and latency charts, the figures drawn from them, where the round driver
// stands now (the centroids) and every round as a table.
import { h, num, stat } from "../dom.js";
import { short } from "./chart-scale.js";
import { roundChart } from "./round-chart.js";

const ms = (v) => (typeof v === "number" ? `${short(v)} ms` : "—");

/** `history` is `[{round, value, ms, rtt}]`, appended to by `add`. `driver` may be null (another browser's session). */
export function roundResults(driver, history) {
  const fixed = driver?.kind === "fixed";
  const [roundsBox, rounds] = stat("Rounds", "session-rounds");
  const [valueBox, value] = stat(fixed ? "Last value" : "Loss", "session-value");
  const [lastBox, last] = stat("Last round", "session-latency");
  const [medianBox, median] = stat("Median round", "session-median");
  const valueChart = roundChart({ title: driver?.valueLabel ?? "Value per round", testid: "value-chart" });
  const latencyChart = roundChart({ title: "Latency per round, as this browser saw it", testid: "latency-chart", mark: "bars", unit: "ms" });
  const params = h("p", { class: "hint params", "data-testid": "session-params" });
  const rows = h("tbody", {});
  const head = h("tr", {}, h("th", { class: "num" }, "Round"), h("th", { class: "num" }, fixed ? "Value" : "Loss"), h("th", { class: "num" }, "In the browser"), h("th", { class: "num" }, "At the gateway"));
  const el = h(
    "div",
    {},
    h("div", { class: "charts" }, valueChart.el, latencyChart.el),
    params,
    h("details", {}, h("summary", {}, "Rounds as a table"), h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, head), rows))),
  );
  const row = (r) => h("tr", {}, h("td", { class: "num" }, String(r.round)), h("td", { class: "num" }, short(r.value)), h("td", { class: "num" }, ms(r.rtt)), h("td", { class: "num" }, ms(r.ms)));

  function draw() {
    valueChart.set(history.map((r) => ({ round: r.round, value: r.value })));
    latencyChart.set(history.map((r) => ({ round: r.round, value: r.rtt })));
    const lastRecord = history[history.length - 1];
    value.textContent = typeof lastRecord?.value === "number" ? short(lastRecord.value) : "—";
    last.textContent = ms(lastRecord?.rtt);
    const rtts = history.map((r) => r.rtt).filter((v) => typeof v === "number").sort((a, b) => a - b);
    median.textContent = ms(rtts.length ? rtts[Math.floor((rtts.length - 1) / 2)] : undefined);
    params.textContent = driver?.describe() ?? "";
  }
  rows.append(...history.map(row));
  draw();

  return {
    stats: [roundsBox, valueBox, lastBox, medianBox],
    el,
    add(record) {
      history.push(record);
      rows.append(row(record));
      rounds.textContent = num(record.round);
      draw();
    },
    /** Rounds answered, as the gateway counts them. */
    setRounds(n) {
      rounds.textContent = num(n);
    },
    attach() {
      valueChart.attach();
      latencyChart.attach();
    },
    detach() {
      valueChart.detach();
      latencyChart.detach();
    },
  };
}
