// New session: a program with setup/step (k-means to start from), its input
// (points generated here, inline items or an uploaded file), partitions,
// how each round's params are made, and the price per round shown before
// starting. The API's errors land beside the field they name.
import { account, api } from "../api.js";
import { navigate } from "../app.js";
import { clearFieldErrors, h, intOrEmpty, num } from "../dom.js";
import { formError } from "./form-error.js";
import { newSessionForm } from "./new-session-form.js";
import { remember } from "./session-store.js";
import { recentSessions } from "./session-list.js";

export function render(main) {
  const showCost = () => sessionCost(session);
  const session = newSessionForm(showCost);
  const { form, formStatus, submit } = session;

  form.addEventListener("input", showCost);
  form.addEventListener("change", showCost);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    formStatus.textContent = "";
    const made = session.spec();
    if (!made) return form.querySelector("[aria-invalid=true]")?.focus();
    submit.disabled = true;
    formStatus.textContent = "";
    try {
      const created = await api("POST", "/v1/sessions", made.body);
      const me = account.current ?? (await account.refresh());
      remember({ id: created.id, owner: me?.id, name: created.name, startedAt: created.createdAt, driver: made.driver, history: [] });
      account.refresh();
      navigate(`/sessions/${created.id}`);
    } catch (err) {
      formError(form, formStatus, err);
    } finally {
      submit.disabled = false;
    }
  });

  const recent = recentSessions();
  main.append(
    h("h1", {}, "New session"),
    h("p", { class: "hint lead" }, "A session keeps its data in memory on the nodes: setup(items) runs once per partition, then every round sends params to each partition and gets its step's result back, one message each way."),
    form,
    recent.el,
  );
  session.start();

  (async () => {
    const list = await api("GET", "/v1/files").catch(() => ({ files: [] }));
    if (list.files.length) session.file.replaceChildren(...list.files.map((f) => h("option", { value: f.path }, f.path)));
  })();
  const unsubscribe = account.subscribe(showCost);
  return () => {
    unsubscribe();
    recent.stop();
  };
}

/** What a round costs as the form stands, what starting holds, and whether the balance covers it. */
function sessionCost({ partitions, price, budget, cost }) {
  const n = Number(partitions.value);
  const unit = intOrEmpty(price);
  const max = intOrEmpty(budget);
  const available = account.current?.credits?.available;
  const lines = [];
  if (!(Number.isInteger(n) && n >= 1)) lines.push(h("p", {}, "Each round costs: ", h("strong", {}, "—"), " (set the partitions)"));
  else if (unit === undefined) lines.push(h("p", {}, "Each round costs ", h("strong", {}, `${num(n)} ×`), ` the default price per partition; held when it starts: ${max === undefined ? "1,000 rounds' worth" : `${num(max)} credits`}.`));
  else {
    const held = max ?? n * unit * 1000;
    const rounds = n * unit > 0 ? `enough for ${num(Math.floor(held / (n * unit)))} rounds` : "rounds are free";
    lines.push(h("p", {}, "Each round costs ", h("strong", { "data-testid": "round-cost" }, num(n * unit)), ` credits — ${num(n)} partitions × ${num(unit)}. Held when it starts: ${num(held)} credits, ${rounds}.`));
    if (typeof available === "number" && held > available) lines.push(h("p", { class: "field-error" }, `You have ${num(available)} credits available; this session would hold ${num(held)}.`));
  }
  lines.push(h("p", { class: "hint" }, `Available: ${num(available)} credits. What is not spent comes back when the session ends.`));
  cost.replaceChildren(...lines);
}
