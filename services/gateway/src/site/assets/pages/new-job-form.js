// The new-job form: its fields, which of them show for the runtime and input
// chosen, the examples it can be filled from, and the request body it makes.
import { field, h, intOrEmpty } from "../dom.js";
import { codeEditor } from "./editor.js";
import { EXAMPLES } from "./examples.js";

function radios(name, legend, options, onChange) {
  const inputs = options.map(([value, label]) => h("label", {}, h("input", { type: "radio", name, value, onchange: onChange }), label));
  return { el: h("fieldset", { class: "choices-set" }, h("legend", {}, legend), h("div", { class: "choices" }, inputs)), value: () => new FormData(inputs[0].closest("form")).get(name) };
}

/** `changed` runs whenever what the cost depends on may have changed. */
export function newJobForm(changed) {
  const name = h("input", { type: "text", value: "my job", maxlength: 200 });
  const example = h("select", {}, h("option", { value: "" }, "Choose an example…"), EXAMPLES.map((e) => h("option", { value: e.id }, e.title)));
  const source = codeEditor(h("textarea", { class: "code", spellcheck: "false", autocapitalize: "off", autocomplete: "off", rows: 14 }));
  const module = h("select", {});
  const start = h("input", { type: "number", step: 1, value: 0 });
  const stop = h("input", { type: "number", step: 1, value: 1000 });
  const step = h("input", { type: "number", step: 1, value: 1 });
  const items = h("textarea", { class: "code", rows: 5, spellcheck: "false" });
  const file = h("select", {});
  const format = h("select", {}, ["lines", "jsonl", "json"].map((f) => h("option", { value: f }, f)));
  const chunkSize = h("input", { type: "number", min: 1, step: 1, value: 100 });
  const replicas = h("select", {}, ["1", "2", "3", "4", "5"].map((n) => h("option", { value: n }, n)), h("option", { value: "auto" }, "auto (adaptive)"));
  const timeout = h("input", { type: "number", min: 1, step: 1, value: 60 });
  const price = h("input", { type: "number", min: 0, step: 1 });
  const budget = h("input", { type: "number", min: 0, step: 1, placeholder: "the worst case" });
  const cost = h("div", { class: "cost", "aria-live": "polite", "data-testid": "cost" });
  const note = h("p", { class: "hint" });
  const formStatus = h("p", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary" }, "Submit job");

  const update = () => {
    const runtime = runtimeChoice.value() ?? "python";
    const kind = inputChoice.value() ?? "range";
    pythonGroup.hidden = runtime !== "python";
    wasiGroup.hidden = runtime !== "wasi";
    rangeGroup.hidden = kind !== "range";
    itemsGroup.hidden = kind !== "items";
    fileGroup.hidden = kind !== "file";
    changed();
  };
  const runtimeChoice = radios("runtime", "Runtime", [["python", "Python"], ["wasi", "WASI module (.wasm)"]], update);
  const inputChoice = radios("input", "Input", [["range", "A range of numbers"], ["items", "Items (JSON array)"], ["file", "An uploaded file"]], update);

  const pythonGroup = h("div", {}, field("Program (Python)", source, { name: "program.source", hint: "Define map(item); reduce(results) is optional. Tab indents; press Esc then Tab to leave the editor." }));
  const wasiGroup = h("div", {}, field("Module", module, { name: "program.module", hint: "Upload a .wasm file on the Files page first." }));
  const rangeGroup = h("div", { class: "grid" }, field("Start", start, { name: "input.range.start" }), field("Stop (not included)", stop, { name: "input.range.stop" }), field("Step", step, { name: "input.range.step" }));
  const itemsGroup = h("div", {}, field("Items", items, { name: "input.items", hint: 'A JSON array, e.g. [1, 2, "three"]' }));
  const fileGroup = h("div", { class: "grid" }, field("File", file, { name: "input.file" }), field("Format", format, { name: "input.format", hint: "lines: one item per line; jsonl: one JSON value per line; json: one array" }));

  const form = h(
    "form",
    { novalidate: true, "aria-label": "New job" },
    h("div", { class: "grid" }, field("Name", name, { name: "name" }), field("Start from an example", example)),
    note,
    runtimeChoice.el,
    pythonGroup,
    wasiGroup,
    inputChoice.el,
    rangeGroup,
    itemsGroup,
    fileGroup,
    h(
      "fieldset",
      {},
      h("legend", {}, "Running and paying"),
      h(
        "div",
        { class: "grid" },
        field("Items per chunk", chunkSize, { name: "chunkSize" }),
        field("Replicas", replicas, { name: "replicas", hint: "Distinct nodes that run each chunk; results must agree. Auto: trusted nodes run alone, spot-checked." }),
        field("Time limit per chunk (s)", timeout, { name: "timeoutMs" }),
        field("Price per chunk (credits)", price, { name: "pricePerChunk" }),
        field("Budget (max credits)", budget, { name: "maxCredits", hint: "Held when you submit; what is not spent comes back." }),
      ),
    ),
    cost,
    formStatus,
    h("div", { class: "actions" }, submit),
  );
  form.elements.runtime[0].checked = true;
  form.elements.input[0].checked = true;

  function readItems() {
    try {
      return JSON.parse(items.value);
    } catch {
      return undefined;
    }
  }

  function loadExample(id) {
    const ex = EXAMPLES.find((e) => e.id === id);
    if (!ex) return;
    form.elements.runtime[0].checked = true;
    source.value = ex.source;
    name.value = ex.title.toLowerCase();
    chunkSize.value = ex.chunkSize;
    const i = ex.input;
    form.elements.input[i.kind === "range" ? 0 : i.kind === "items" ? 1 : 2].checked = true;
    if (i.kind === "range") (start.value = i.start), (stop.value = i.stop), (step.value = i.step);
    if (i.kind === "items") items.value = JSON.stringify(i.items, null, 1);
    note.textContent = ex.note ?? "";
    update();
  }

  function spec() {
    const kind = inputChoice.value();
    const body = { name: name.value };
    body.program = runtimeChoice.value() === "wasi" ? { runtime: "wasi", module: module.value } : { runtime: "python", source: source.value };
    if (kind === "range") body.input = { range: { start: Number(start.value), stop: Number(stop.value), step: Number(step.value) } };
    else if (kind === "items") body.input = { items: readItems() };
    else body.input = { file: file.value, format: format.value };
    body.chunkSize = Number(chunkSize.value);
    body.replicas = replicas.value === "auto" ? "auto" : Number(replicas.value);
    body.timeoutMs = Math.round(Number(timeout.value) * 1000);
    if (intOrEmpty(price) !== undefined) body.pricePerChunk = intOrEmpty(price);
    if (intOrEmpty(budget) !== undefined) body.maxCredits = intOrEmpty(budget);
    return body;
  }

  example.addEventListener("change", () => loadExample(example.value));
  const fields = { source, module, start, stop, step, items, file, format, chunkSize, replicas, price, budget };
  return { form, fields, cost, formStatus, submit, runtimeChoice, inputChoice, readItems, loadExample, spec };
}
