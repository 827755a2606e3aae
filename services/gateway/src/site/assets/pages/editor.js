// A plain textarea made pleasant for Python: Tab indents and Shift+Tab
// outdents the current line(s). Keyboard users leave it with Esc, then Tab
// (the hint under the editor says so), so focus is never trapped.
const INDENT = "    ";

export function codeEditor(textarea) {
  let escaped = false;
  textarea.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      escaped = true;
      return;
    }
    if (e.key !== "Tab" || escaped || e.ctrlKey || e.metaKey || e.altKey) {
      escaped = false;
      return;
    }
    e.preventDefault();
    const { value, selectionStart: start, selectionEnd: end } = textarea;
    const lineStart = value.lastIndexOf("\n", start - 1) + 1;
    if (!e.shiftKey && start === end) {
      textarea.setRangeText(INDENT, start, end, "end");
    } else {
      const block = value.slice(lineStart, end);
      const lines = block.split("\n").map((l) => (e.shiftKey ? l.replace(/^ {1,4}/, "") : INDENT + l));
      textarea.setRangeText(lines.join("\n"), lineStart, end, "select");
    }
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  });
  textarea.addEventListener("blur", () => (escaped = false));
  return textarea;
}
