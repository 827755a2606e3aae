// New job: program, input, chunking and price, with the worst-case cost shown
// before submitting and the API's errors shown beside the field they name.
import { account, api, optional } from "../api.js";
import { navigate } from "../app.js";
import { clearFieldErrors, h, intOrEmpty, num, showFieldError } from "../dom.js";
import { formError } from "./form-error.js";
import { costQuoter } from "./job-cost.js";
import { newJobForm } from "./new-job-form.js";

export function render(main) {
  const files = [];
  const showCost = () => cost.ask();
  const job = newJobForm(showCost);
  const cost = jobCost(job);
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
  cost.render();
  job.loadExample("squares");

  (async () => {
    const [list, pricing] = await Promise.all([api("GET", "/v1/files").catch(() => ({ files: [] })), optional("/v1/pricing").catch(() => null)]);
    files.push(...list.files);
    fields.price.placeholder = pricing ? `default: ${pricing.pricePerChunk}` : "the default";
    const options = (list, empty) => (list.length ? list.map((f) => h("option", { value: f.path }, f.path)) : [h("option", { value: "" }, empty)]);
    fields.module.replaceChildren(...options(files.filter((f) => f.path.endsWith(".wasm")), "no .wasm files uploaded"));
    fields.file.replaceChildren(...options(files, "no files uploaded"));
    showCost();
  })();
  // A new balance redraws the figures unless newer ones are on their way.
  const unsubscribe = account.subscribe(() => cost.busy() || cost.render());
  return unsubscribe;
}

/**
 * The worst-case cost of the job as the form stands, from the API's quote,
 * and whether the budget and balance cover it. While the answer for a new
 * state is on its way the old figures stay where they are (the layout must
 * not jump under a click), marked busy and no longer offered as the worst case.
 */
function jobCost(job) {
  const { replicas, budget } = job.fields;
  const el = job.cost;
  let quote = null;
  let quoteError = null;
  const askQuote = costQuoter(
    (body) => api("POST", "/v1/jobs/quote", body),
    (q, err) => {
      quote = q;
      quoteError = err;
      render();
    },
  );

  function render() {
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
    el.replaceChildren(...lines);
    el.removeAttribute("aria-busy");
  }

  return {
    render,
    ask() {
      el.setAttribute("aria-busy", "true");
      for (const w of el.querySelectorAll("[data-testid=worst-case]")) w.removeAttribute("data-testid");
      askQuote(job.spec());
    },
    busy: () => el.hasAttribute("aria-busy"),
  };
}
