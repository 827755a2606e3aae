// The new-session form: its fields, which of them show for the input and
// round driver chosen, the examples it can be filled from, and the request
// body and round driver it makes.
import { field, h, intOrEmpty, showFieldError } from "../dom.js";
import { codeEditor } from "./editor.js";
import { KMEANS_PROGRAM, kmeansPoints, parseCentroids, randomCentroids } from "./kmeans.js";

const ROUND_TRIP = "def setup(items):\n    return items\n\ndef step(state, params):\n    # the smallest round: one message each way per partition\n    return len(state)\n";
const EXAMPLES = {
  kmeans: { title: "K-means (8 blobs of points)", name: "k-means", source: KMEANS_PROGRAM, driver: "kmeans" },
  roundtrip: { title: "Round trip: step returns len(state)", name: "round trip", source: ROUND_TRIP, driver: "fixed" },
};

function radios(name, legend, options, onChange) {
  const inputs = options.map(([value]) => h("input", { type: "radio", name, value, onchange: onChange }));
  const labels = options.map(([, label], i) => h("label", {}, inputs[i], label));
  return {
    el: h("fieldset", { class: "choices-set" }, h("legend", {}, legend), h("div", { class: "choices" }, labels)),
    value: () => inputs.find((i) => i.checked)?.value ?? null,
    set: (value) => (inputs.find((i) => i.value === value).checked = true),
  };
}

function readJson(el) {
  try {
    return { value: JSON.parse(el.value) };
  } catch {
    return { error: true };
  }
}

/** `changed` runs whenever what the cost depends on may have changed. */
export function newSessionForm(changed) {
  let seed = 1;
  let centroidsEdited = false;
  const name = h("input", { type: "text", value: "k-means", maxlength: 200 });
  const example = h("select", {}, Object.entries(EXAMPLES).map(([id, e]) => h("option", { value: id }, e.title)));
  const source = codeEditor(h("textarea", { class: "code", spellcheck: "false", autocapitalize: "off", autocomplete: "off", rows: 14 }, KMEANS_PROGRAM));
  const points = h("input", { type: "number", min: 8, max: 300000, step: 1, value: 20000 });
  const items = h("textarea", { class: "code", rows: 4, spellcheck: "false" }, "[[0, 0], [1, 1], [10, 10], [11, 11]]");
  const file = h("select", {}, h("option", { value: "" }, "no files uploaded"));
  const format = h("select", {}, ["jsonl", "json", "lines"].map((f) => h("option", { value: f }, f)));
  const partitions = h("input", { type: "number", min: 1, max: 256, step: 1, value: 4 });
  const centroids = h("textarea", { class: "code short", rows: 3, spellcheck: "false", oninput: () => (centroidsEdited = true) });
  const reseed = h("button", { type: "button" }, "New random start");
  const params = h("textarea", { class: "code short", rows: 2, spellcheck: "false" }, "{}");
  const price = h("input", { type: "number", min: 0, step: 1, placeholder: "the default" });
  const budget = h("input", { type: "number", min: 0, step: 1, placeholder: "1,000 rounds' worth" });
  const cost = h("div", { class: "cost", "aria-live": "polite", "data-testid": "session-cost" });
  const formStatus = h("p", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary" }, "Start session");

  const update = () => {
    const kind = inputChoice.value();
    generatedGroup.hidden = kind !== "generated";
    itemsGroup.hidden = kind !== "items";
    fileGroup.hidden = kind !== "file";
    kmeansGroup.hidden = driverChoice.value() !== "kmeans";
    fixedGroup.hidden = driverChoice.value() !== "fixed";
    changed();
  };
  const inputChoice = radios("input", "Input", [["generated", "Generated points"], ["items", "Items (JSON array)"], ["file", "An uploaded file"]], update);
  const driverChoice = radios("driver", "Each round", [["kmeans", "K-means: send the centroids, average the partials into new ones"], ["fixed", "Send the same params every round"]], update);
  const generatedGroup = h("div", {}, field("Points", points, { name: "points", hint: "8 blobs on a 4×2 grid with noise, made here in the browser and sent as inline items." }));
  const itemsGroup = h("div", {}, field("Items", items, { name: "input.items", hint: "A JSON array; for k-means, [x, y] pairs." }));
  const fileGroup = h("div", { class: "grid" }, field("File", file, { name: "input.file" }), field("Format", format, { name: "input.format", hint: "jsonl: one JSON value per line; json: one array; lines: one string per line" }));
  const kmeansGroup = h("div", {}, field("Initial centroids", centroids, { name: "centroids", hint: "A JSON array of [x, y] pairs, one per cluster. Prefilled with 8 generated points picked at random." }), h("div", { class: "actions tight" }, reseed));
  const fixedGroup = h("div", {}, field("Params (JSON)", params, { name: "params", hint: "Sent to step(state, params) every round. The chart shows the sum of the partials when they are numbers." }));

  const form = h(
    "form",
    { novalidate: true, "aria-label": "New session" },
    h("div", { class: "grid" }, field("Name", name, { name: "name" }), field("Start from an example", example)),
    field("Program (Python)", source, { name: "program.source", hint: "Define setup(items), run once per partition on its node, and step(state, params), run every round. Tab indents; press Esc then Tab to leave the editor." }),
    inputChoice.el,
    itemsGroup,
    fileGroup,
    h("div", { class: "grid" }, generatedGroup, field("Partitions", partitions, { name: "partitions", hint: "The input is split into this many parts, each kept in memory on a node." })),
    driverChoice.el,
    kmeansGroup,
    fixedGroup,
    h("fieldset", {}, h("legend", {}, "Paying"), h("div", { class: "grid" }, field("Price per round per partition (credits)", price, { name: "pricePerRound" }), field("Budget (max credits)", budget, { name: "maxCredits", hint: "Held when the session starts; what is not spent comes back when it ends." }))),
    cost,
    formStatus,
    h("div", { class: "actions" }, submit),
  );

  function fillCentroids() {
    if (centroidsEdited) return;
    const n = Number(points.value);
    if (!(Number.isInteger(n) && n >= 8)) return;
    centroids.value = JSON.stringify(randomCentroids(kmeansPoints(Math.min(n, 300000)), 8, seed).map(([x, y]) => [round3(x), round3(y)]));
  }

  function loadExample(id) {
    const ex = EXAMPLES[id];
    source.value = ex.source;
    name.value = ex.name;
    driverChoice.set(ex.driver);
    update();
  }

  /** The request body and the round driver, or null after showing what is wrong. */
  function spec() {
    const body = { name: name.value, program: { runtime: "python", source: source.value }, partitions: Number(partitions.value) };
    const kind = inputChoice.value();
    if (kind === "generated") {
      const n = Number(points.value);
      if (!(Number.isInteger(n) && n >= 8 && n <= 300000)) return showFieldError(form, "points", "Points: a whole number from 8 to 300,000."), null;
      body.input = { items: kmeansPoints(n) };
    } else if (kind === "items") {
      const parsed = readJson(items);
      if (parsed.error || !Array.isArray(parsed.value)) return showFieldError(form, "input.items", "Items must be a JSON array, e.g. [[0, 0], [1, 1]]."), null;
      body.input = { items: parsed.value };
    } else body.input = { file: file.value, format: format.value };
    if (intOrEmpty(price) !== undefined) body.pricePerRound = intOrEmpty(price);
    if (intOrEmpty(budget) !== undefined) body.maxCredits = intOrEmpty(budget);
    let driver;
    if (driverChoice.value() === "kmeans") {
      const parsed = parseCentroids(centroids.value);
      if (parsed.error) return showFieldError(form, "centroids", parsed.error), null;
      driver = { kind: "kmeans", centroids: parsed.centroids };
    } else {
      const parsed = readJson(params);
      if (parsed.error) return showFieldError(form, "params", "Params must be JSON, e.g. {} or {\"k\": 2}."), null;
      driver = { kind: "fixed", params: parsed.value };
    }
    return { body, driver };
  }

  example.addEventListener("change", () => loadExample(example.value));
  points.addEventListener("change", fillCentroids);
  reseed.addEventListener("click", () => {
    seed++;
    centroidsEdited = false;
    fillCentroids();
  });
  /** The form as a new page shows it: generated k-means points, centroids drawn from them. */
  function start() {
    inputChoice.set("generated");
    driverChoice.set("kmeans");
    fillCentroids();
    update();
  }
  return { form, file, partitions, price, budget, cost, formStatus, submit, spec, start };
}

const round3 = (v) => Math.round(v * 1000) / 1000;
