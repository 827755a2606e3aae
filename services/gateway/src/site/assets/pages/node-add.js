// "Add a node": a one-time activation code the node trades for its token
// (typed into the node's own page or given to `medusa-node activate`), so no
// token is ever copied by hand. A token remains, for scripts.
import { api } from "../api.js";
import { clearFieldErrors, field, fill, h } from "../dom.js";
import { formError } from "./form-error.js";

export function addNodeSection(onAdded) {
  const name = h("input", { type: "text", maxlength: 100, placeholder: "e.g. office desktop", autocomplete: "off" });
  const status = h("p", { class: "form-error", role: "alert" });
  const added = h("div", { "aria-live": "polite" });
  const tokenButton = h("button", { type: "button" }, "Use a token instead");
  const form = h(
    "form",
    { class: "narrow", novalidate: true },
    field("Name", name, { name: "name" }),
    status,
    h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, "Add node"), tokenButton),
  );
  let countdown = null;

  const submit = async (kind) => {
    clearFieldErrors(form);
    status.textContent = "";
    clearInterval(countdown);
    try {
      if (kind === "code") {
        const activation = await api("POST", "/v1/nodes/activation-codes", { name: name.value });
        fill(added, codeNotice(activation));
        const left = added.querySelector("[data-testid=code-expires]");
        const tick = () => {
          const ms = Date.parse(activation.expiresAt) - Date.now();
          left.textContent = ms > 0 ? `valid for ${Math.ceil(ms / 60000)} more minute(s), once` : "expired: add the node again for a new code";
          if (ms <= 0) clearInterval(countdown);
        };
        tick();
        countdown = setInterval(tick, 15000);
      } else {
        const submitted = name.value;
        fill(added, tokenNotice(submitted, await api("POST", "/v1/nodes", { name: submitted })));
      }
      name.value = "";
      onAdded();
    } catch (err) {
      formError(form, status, err);
    }
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit("code");
  });
  tokenButton.addEventListener("click", () => submit("token"));
  return { element: h("div", {}, form, added), stop: () => clearInterval(countdown) };
}

function codeNotice(activation) {
  return h(
    "section",
    { class: "notice", "aria-label": `Activation code for ${activation.name}` },
    h("p", {}, h("strong", {}, `Activation code for “${activation.name}”:`)),
    h("p", { class: "activation-code", "data-testid": "activation-code" }, activation.code),
    h("p", { class: "hint", "data-testid": "code-expires" }),
    h("p", {}, "On the computer to lend, download the node above and start it: its own page opens at http://127.0.0.1:7077/ and asks for this code and this site's address, ", h("code", {}, location.origin), ". Or, in a terminal:"),
    copyRow(`medusa-node activate ${activation.code} --gateway ${location.origin}`, "Copy command"),
    h("p", { class: "hint" }, "After that, plain medusa-node starts it: the token is kept on that computer. The node shows up below once it connects."),
  );
}

function tokenNotice(name, node) {
  return h(
    "section",
    { class: "notice", "aria-label": `How to start ${name}` },
    h("p", {}, h("strong", {}, `Node “${name}” added.`), " Its token is shown only now. On the computer to lend, run (the variable keeps the token out of ps):"),
    copyRow(`MEDUSA_NODE_TOKEN=${node.nodeToken} medusa-node --gateway ${location.origin}`, "Copy command"),
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
