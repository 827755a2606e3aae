// An API error on a form: each field it names gets its message beside the
// closest field on the form (`input.range.stop`, else `input.range`, else
// `input`); whatever matches no field goes in the form's own slot.
import { showFieldError } from "../dom.js";

export function formError(form, slot, err) {
  const fields = err.fields ?? [];
  let placed = 0;
  for (const { field, message } of fields) {
    const parts = field.split(".");
    for (let n = parts.length; n > 0; n--) {
      if (showFieldError(form, parts.slice(0, n).join("."), message)) {
        placed++;
        break;
      }
    }
  }
  slot.textContent = placed === 0 || placed < fields.length ? err.message : "";
  form.querySelector("[aria-invalid=true]")?.focus();
}
