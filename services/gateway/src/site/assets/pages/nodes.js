// Volunteers' nodes: get the node for this computer, add one (an activation
// code, or a token for scripts), and each node's state, sandbox, chunks done
// and earnings, refreshed every few seconds.
import { api } from "../api.js";
import { fill, h, num, when } from "../dom.js";
import { addNodeSection } from "./node-add.js";
import { downloadsSection } from "./node-downloads.js";

export function render(main) {
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
  const downloads = downloadsSection();
  const add = addNodeSection(refresh);

  main.append(
    h("h1", {}, "Nodes"),
    h("p", { class: "muted" }, "Lend a computer: download the node for it, add a node here and activate it with the code. It earns credits for every accepted result."),
    h("h2", {}, "Get the node"),
    downloads.element,
    h("h2", {}, "Add a node"),
    add.element,
    h("h2", {}, "Your nodes"),
    list,
  );
  refresh();
  return () => {
    left = true;
    clearTimeout(timer);
    downloads.stop();
    add.stop();
  };
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
