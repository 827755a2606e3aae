// Volunteers' nodes: add one (its token and the exact command to run), and
// each node's state, sandbox, chunks done and earnings, refreshed every few seconds.
import { api } from "../api.js";
import { clearFieldErrors, field, fill, h, num, when } from "../dom.js";
import { formError } from "./form-error.js";

export function render(main) {
  const name = h("input", { type: "text", maxlength: 100, placeholder: "e.g. office desktop", autocomplete: "off" });
  const status = h("p", { class: "form-error", role: "alert" });
  const added = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "narrow", novalidate: true }, field("Name", name, { name: "name" }), status, h("button", { type: "submit", class: "primary" }, "Add node"));
  const list = h("div", { class: "table-wrap" }, h("p", { class: "loading" }, "Loading nodes…"));
  let timer = null;
  let left = false;

  const refresh = async () => {
    clearTimeout(timer);
    try {
      const { nodes } = await api("GET", "/v1/nodes");
      fill(list, nodes.length === 0 ? h("p", { class: "empty" }, "No nodes yet: add one above.") : table(nodes));
    } catch (err) {
      fill(list, h("p", { class: "form-error", role: "alert" }, err.message));
    }
    if (!left) timer = setTimeout(refresh, 3000);
  };

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    status.textContent = "";
    try {
      const node = await api("POST", "/v1/nodes", { name: name.value });
      fill(added, instructions(name.value, node));
      name.value = "";
      refresh();
    } catch (err) {
      formError(form, status, err);
    }
  });

  main.append(
    h("h1", {}, "Nodes"),
    h("p", { class: "muted" }, "Lend a computer: add a node, then run the node executable on that computer with its token. It earns credits for every accepted result."),
    h("h2", {}, "Add a node"),
    form,
    added,
    h("h2", {}, "Your nodes"),
    list,
  );
  refresh();
  return () => {
    left = true;
    clearTimeout(timer);
  };
}

function instructions(name, node) {
  const command = `medusa-node --gateway ${location.origin} --token ${node.nodeToken}`;
  return h(
    "section",
    { class: "notice", "aria-label": `How to start ${name}` },
    h("p", {}, h("strong", {}, `Node “${name}” added.`), " Its token is shown only now. On the computer to lend, run:"),
    copyRow(command, "Copy command"),
    h("p", { class: "hint" }, "Build the executable with npm run build:node (it writes dist/medusa-node). Its own page at http://127.0.0.1:7077/ pauses it, caps its CPU and makes it run only when the computer is idle."),
    h("p", {}, "Token alone:"),
    copyRow(node.nodeToken, "Copy token"),
  );
}

function copyRow(text, label) {
  const button = h("button", { type: "button" }, label);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Select and copy";
    }
    setTimeout(() => (button.textContent = label), 2000);
  });
  return h("div", { class: "copy-row" }, h("pre", { "data-testid": "copy-text" }, text), button);
}

function table(nodes) {
  return h(
    "table",
    {},
    h(
      "thead",
      {},
      h("tr", {}, h("th", {}, "Node"), h("th", {}, "State"), h("th", {}, "Sandbox"), h("th", { class: "num" }, "Chunks done"), h("th", { class: "num" }, "Credits earned"), h("th", { class: "wide" }, "Added")),
    ),
    h(
      "tbody",
      {},
      nodes.map((n) =>
        h(
          "tr",
          { "data-node": n.nodeId },
          h("td", {}, n.name, h("div", { class: "hint" }, n.nodeId)),
          h("td", {}, h("span", { class: `badge state-${n.state}`, "data-testid": "node-state" }, n.state)),
          h("td", {}, n.sandbox ?? "—"),
          h("td", { class: "num" }, num(n.chunksDone ?? n.session?.chunksDone)),
          h("td", { class: "num" }, num(n.creditsEarned)),
          h("td", { class: "wide" }, when(n.createdAt)),
        ),
      ),
    ),
  );
}
