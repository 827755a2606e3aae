// New job: program, input, chunking and price, with the worst-case cost shown
// before submitting and the API's errors shown beside the field they name.
import { account, api, optional } from "../api.js";
import { navigate } from "../app.js";
import { clearFieldErrors, field, h, num, showFieldError } from "../dom.js";
import { codeEditor } from "./editor.js";
import { EXAMPLES } from "./examples.js";
import { formError } from "./form-error.js";
import { costQuoter } from "./job-cost.js";

const intOrEmpty = (el) => (el.value.trim() === "" ? undefined : Number(el.value));

function radios(name, legend, options, onChange) {
  const inputs = options.map(([value, label]) => h("label", {}, h("input", { type: "radio", name, value, onchange: onChange }), label));
  return { el: h("fieldset", { class: "choices-set" }, h("legend", {}, legend), h("div", { class: "choices" }, inputs)), value: () => new FormData(inputs[0].closest("form")).get(name) };
}

export function render(main) {
  const files = [];
  let pricing = null;
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
    showCost();
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

  // The figures come from the API's quote of the form as it is. While the
  // answer for a new state is on its way the old figures stay where they are
  // (the layout must not jump under a click), marked busy and no longer
  // offered as the worst case.
  let quote = null;
  let quoteError = null;
  const askQuote = costQuoter(
    (body) => api("POST", "/v1/jobs/quote", body),
    (q, err) => {
      quote = q;
      quoteError = err;
      renderCost();
    },
  );

  function showCost() {
    cost.setAttribute("aria-busy", "true");
    for (const el of cost.querySelectorAll("[data-testid=worst-case]")) el.removeAttribute("data-testid");
    askQuote(spec());
  }

  function renderCost() {
    const available = account.current?.credits?.available;
    const max = intOrEmpty(budget);
    const lines = [];
    if (!quote) lines.push(h("p", {}, "Worst-case cost: ", h("strong", {}, "—"), quoteError ? ` (${quoteError.message})` : " (pricing…)"));
    else {
      const { chunks, exact, reduce, replicas: paidReplicas, pricePerChunk, worstCase, held } = quote;
      const what = `${num(chunks)} chunks${reduce ? " (the reduce is one)" : ""} × ${num(paidReplicas)} replica(s)${replicas.value === "auto" ? " at most" : ""} × ${num(pricePerChunk)} per chunk`;
      lines.push(h("p", {}, `Worst-case cost: ${exact ? "" : "at most "}`, h("strong", { "data-testid": "worst-case" }, num(worstCase)), ` credits — ${what}.`));
      if (quote.refused) lines.push(h("p", { class: "field-error" }, `The budget (${num(max)}) is below the worst case: raise it or the job will be refused.`));
      if (typeof available === "number" && held > available) lines.push(h("p", { class: "field-error" }, `You have ${num(available)} credits available; this job would hold ${num(held)}.`));
    }
    lines.push(h("p", { class: "hint" }, `Available: ${num(available)} credits.`));
    cost.replaceChildren(...lines);
    cost.removeAttribute("aria-busy");
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

  form.addEventListener("input", showCost);
  form.addEventListener("change", showCost);
  example.addEventListener("change", () => loadExample(example.value));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    formStatus.textContent = "";
    const body = spec();
    if (inputChoice.value() === "items" && !Array.isArray(body.input.items)) {
      showFieldError(form, "input.items", "Items must be a JSON array, e.g. [1, 2, 3].");
      return items.focus();
    }
    submit.disabled = true;
    try {
      const job = await api("POST", "/v1/jobs", body);
      account.refresh();
      navigate(`/jobs/${job.id}`);
    } catch (err) {
      formError(form, formStatus, err);
    } finally {
      submit.disabled = false;
    }
  });

  main.append(h("h1", {}, "New job"), form);
  renderCost();
  loadExample("squares");

  (async () => {
    const [list, p] = await Promise.all([api("GET", "/v1/files").catch(() => ({ files: [] })), optional("/v1/pricing").catch(() => null)]);
    files.push(...list.files);
    pricing = p;
    price.placeholder = pricing ? `default: ${pricing.pricePerChunk}` : "the default";
    const options = (list, empty) => (list.length ? list.map((f) => h("option", { value: f.path }, f.path)) : [h("option", { value: "" }, empty)]);
    module.replaceChildren(...options(files.filter((f) => f.path.endsWith(".wasm")), "no .wasm files uploaded"));
    file.replaceChildren(...options(files, "no files uploaded"));
    showCost();
  })();
  // A new balance redraws the figures unless newer ones are on their way.
  const unsubscribe = account.subscribe(() => cost.hasAttribute("aria-busy") || renderCost());
  return unsubscribe;
}
