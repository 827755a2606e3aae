// Tiny DOM helpers: the site is plain ES modules with no framework, so the
// gateway serves these files as they are and there is no build step.

/**
 * h("button", { type: "button", onclick }, "Save") → an element. Attributes
 * starting with "on" become listeners; `class`, `for` and aria-* are set as
 * attributes; null/false children and attributes are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value" || key === "checked" || key === "selected") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);

const int = new Intl.NumberFormat();
/** A count or amount for people; "—" when the API did not give one. */
export const num = (n) => (typeof n === "number" && Number.isFinite(n) ? int.format(n) : "—");

export function bytes(n) {
  if (typeof n !== "number") return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export function duration(ms) {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : "—");

/** A number input's value, or undefined while it is empty. */
export const intOrEmpty = (el) => (el.value.trim() === "" ? undefined : Number(el.value));

/** A figure for a `<dl class="stats">`: `[box, value element]`. */
export function stat(label, testid) {
  const dd = h("dd", { "data-testid": testid }, "—");
  return [h("div", {}, h("dt", {}, label), dd), dd];
}

/** A labelled form field with a slot for the error the API names it in. */
export function field(label, input, { hint, name } = {}) {
  const id = input.id || `f-${name ?? Math.random().toString(36).slice(2)}`;
  input.id = id;
  const error = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
  const hintEl = hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null;
  input.setAttribute("aria-describedby", [hintEl && hintEl.id, error.id].filter(Boolean).join(" "));
  if (name) input.dataset.field = name;
  return h("div", { class: "field" }, h("label", { for: id }, label), input, hintEl, error);
}

/** Shows an error under the field whose `data-field` is `name`; false when no such field. */
export function showFieldError(form, name, message) {
  const input = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  const error = input && form.querySelector(`#${CSS.escape(input.id)}-error`);
  if (!error) return false;
  error.textContent = message;
  error.hidden = false;
  input.setAttribute("aria-invalid", "true");
  return true;
}

export function clearFieldErrors(form) {
  for (const el of form.querySelectorAll(".field-error")) (el.hidden = true), (el.textContent = "");
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}
