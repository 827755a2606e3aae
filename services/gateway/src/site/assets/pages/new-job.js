// New job: program, input, chunking and price, with the worst-case cost shown
// before submitting and the API's errors shown beside the field they name.
import { account, api, optional } from "../api.js";
import { navigate } from "../app.js";
import { clearFieldErrors, h, intOrEmpty, num, showFieldError } from "../dom.js";
import { formError } from "./form-error.js";
import { definesReduce, itemCount, worstCase } from "./job-cost.js";
import { newJobForm } from "./new-job-form.js";

export function render(main) {
  const files = [];
  let pricing = null;
  const showCost = () => jobCost(job, files, pricing);
  const job = newJobForm(showCost);
  const { form, fields, formStatus, submit } = job;

  form.addEventListener("input", showCost);
  form.addEventListener("change", showCost);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    formStatus.textContent = "";
    const body = job.spec();
    if (job.inputChoice.value() === "items" && !Array.isArray(body.input.items)) {
      showFieldError(form, "input.items", "Items must be a JSON array, e.g. [1, 2, 3].");
      return fields.items.focus();
    }
    submit.disabled = true;
    try {
      const created = await api("POST", "/v1/jobs", body);
      account.refresh();
      navigate(`/jobs/${created.id}`);
    } catch (err) {
      formError(form, formStatus, err);
    } finally {
      submit.disabled = false;
    }
  });

  main.append(h("h1", {}, "New job"), form);
  job.loadExample("squares");

  (async () => {
    const [list, p] = await Promise.all([api("GET", "/v1/files").catch(() => ({ files: [] })), optional("/v1/pricing").catch(() => null)]);
    files.push(...list.files);
    pricing = p;
    fields.price.placeholder = pricing ? `default: ${pricing.pricePerChunk}` : "the default";
    const options = (list, empty) => (list.length ? list.map((f) => h("option", { value: f.path }, f.path)) : [h("option", { value: "" }, empty)]);
    fields.module.replaceChildren(...options(files.filter((f) => f.path.endsWith(".wasm")), "no .wasm files uploaded"));
    fields.file.replaceChildren(...options(files, "no files uploaded"));
    showCost();
  })();
  const unsubscribe = account.subscribe(showCost);
  return unsubscribe;
}

// "auto" runs a chunk on at most two nodes, and that is what is held for it.
const budgetedReplicas = (replicas) => (replicas.value === "auto" ? 2 : Number(replicas.value));

/** The worst-case cost of the job as the form stands, and whether the budget and balance cover it. */
function jobCost(job, files, pricing) {
  const { start, stop, step, file, format, source, chunkSize, replicas, price, budget } = job.fields;
  const kind = job.inputChoice.value() ?? "range";
  const input = kind === "range" ? { kind, start: Number(start.value), stop: Number(stop.value), step: Number(step.value) } : kind === "items" ? { kind, items: job.readItems() } : { kind, file: file.value, format: format.value };
  const unitPrice = intOrEmpty(price) ?? pricing?.pricePerChunk;
  const wc = worstCase({ items: itemCount(input, files), chunkSize: Number(chunkSize.value), replicas: budgetedReplicas(replicas), price: unitPrice, reduce: job.runtimeChoice.value() === "python" && definesReduce(source.value) });
  const available = account.current?.credits?.available;
  const max = intOrEmpty(budget);
  const lines = [];
  if (!wc) lines.push(h("p", {}, "Worst-case cost: ", h("strong", {}, "—"), unitPrice === undefined ? " (price per chunk not known yet)" : " (fill in the input to see it)"));
  else {
    lines.push(h("p", {}, `Worst-case cost: ${wc.exact ? "" : "at most "}`, h("strong", { "data-testid": "worst-case" }, num(wc.worst)), ` credits — ${num(wc.chunks)} chunks × ${num(budgetedReplicas(replicas))} replica(s)${replicas.value === "auto" ? " at most" : ""} × ${num(unitPrice)} per chunk.`));
    if (wc.exact && max !== undefined && max < wc.worst) lines.push(h("p", { class: "field-error" }, `The budget (${num(max)}) is below the worst case: raise it or the job will be refused.`));
    const hold = Math.min(wc.worst, max ?? wc.worst);
    if (typeof available === "number" && hold > available) lines.push(h("p", { class: "field-error" }, `You have ${num(available)} credits available; this job would hold ${num(hold)}.`));
  }
  lines.push(h("p", { class: "hint" }, `Available: ${num(available)} credits.`));
  job.cost.replaceChildren(...lines);
}
