// The account's ledger, newest first, a page at a time. Amounts are signed
// from this account's side: into its balance is +, out of it is −. Payouts
// from one's own job's escrow to a node touch neither side of one's balance
// (the hold already took those credits), so they carry no sign.
import { account, api, optional } from "../api.js";
import { fill, h, num, when } from "../dom.js";

const REASONS = { grant: "Grant", hold: "Held for a job", refund: "Refund of unspent credits" };
const what = (e, me) => (e.reason === "payout" ? (e.to === me ? "Earned by your node" : "Paid to a node from the job's hold") : REASONS[e.reason] ?? e.reason);

export function render(main) {
  const body = h("tbody");
  const more = h("button", { type: "button", hidden: true }, "Older entries");
  const note = h("p", { class: "muted" });
  let next = null;

  const load = async () => {
    more.disabled = true;
    try {
      const me = account.current ?? (await account.refresh());
      const page = await optional(`/v1/me/ledger?limit=50${next !== null ? `&before=${next}` : ""}`);
      if (!page) return (note.textContent = "The ledger is not available on this gateway yet.");
      body.append(...page.entries.map((e) => row(e, me?.id)));
      next = page.next;
      more.hidden = next === null;
      if (body.children.length === 0) note.textContent = "No entries yet.";
    } catch (err) {
      fill(note, h("span", { class: "form-error", role: "alert" }, err.message));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", load);

  main.append(
    h("h1", {}, "Ledger"),
    h("p", { class: "muted" }, "Every movement of your credits, newest first. Credits for a job are held when you submit it, paid out to nodes for accepted results, and the rest comes back when it ends."),
    h(
      "div",
      { class: "table-wrap" },
      h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "When"), h("th", {}, "What"), h("th", { class: "num" }, "Amount"), h("th", { class: "wide" }, "Job / node"))), body),
    ),
    note,
    more,
  );
  load();
}

function row(e, me) {
  const incoming = e.to === me;
  const outgoing = e.from === me;
  const sign = incoming && !outgoing ? "+" : outgoing && !incoming ? "−" : "";
  return h(
    "tr",
    {},
    h("td", {}, when(e.at)),
    h("td", {}, what(e, me)),
    h("td", { class: `num ${sign === "+" ? "plus" : sign === "−" ? "minus" : ""}` }, `${sign}${num(e.amount)}`),
    h("td", { class: "wide" }, e.jobId ? h("a", { href: `/jobs/${e.jobId}` }, e.jobId) : null, e.nodeId ? h("span", { class: "hint" }, ` node ${e.nodeId}`) : null),
  );
}
