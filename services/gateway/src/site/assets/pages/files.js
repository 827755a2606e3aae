// Files: upload by drag and drop (or the file picker) with a progress bar per
// file, the list, and delete. Uploaded files are job inputs or WASI modules.
import { api, uploadFile } from "../api.js";
import { bytes, field, fill, h } from "../dom.js";

export function render(main) {
  const folder = h("input", { type: "text", name: "folder", placeholder: "e.g. data", autocomplete: "off", spellcheck: "false" });
  const picker = h("input", { type: "file", multiple: true, "data-testid": "file-picker" });
  const zone = h(
    "div",
    { class: "dropzone", "data-testid": "dropzone" },
    h("p", {}, h("strong", {}, "Drop files here"), " or choose them:"),
    field("Files to upload", picker),
  );
  const uploads = h("div", { class: "uploads", "aria-live": "polite" });
  const list = h("div", { class: "table-wrap" }, h("p", { class: "loading" }, "Loading files…"));

  const refresh = async () => {
    try {
      const { files } = await api("GET", "/v1/files");
      fill(list, files.length === 0 ? h("p", { class: "empty" }, "No files yet.") : table(files, refresh));
    } catch (err) {
      fill(list, h("p", { class: "form-error", role: "alert" }, err.message));
    }
  };

  const start = (fileList) => {
    for (const file of fileList) upload(uploads, pathFor(folder.value, file.name), file).then(refresh);
  };
  picker.addEventListener("change", () => {
    start(picker.files);
    picker.value = "";
  });
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    start(e.dataTransfer.files);
  });

  main.append(
    h("h1", {}, "Files"),
    h("p", { class: "muted" }, "Use an uploaded file as a job's input (one item per line, JSON Lines or a JSON array), or a .wasm file as its program."),
    field("Folder (optional)", folder, { hint: "Files are saved as folder/name." }),
    zone,
    uploads,
    h("h2", {}, "Your files"),
    list,
  );
  refresh();
}

function pathFor(folder, name) {
  const clean = folder.trim().replace(/^\/+|\/+$/g, "");
  return clean ? `${clean}/${name}` : name;
}

async function upload(container, path, file) {
  const bar = h("progress", { max: file.size || 1, value: 0, "aria-label": `Uploading ${path}` });
  const state = h("span", { class: "muted" }, "0%");
  const row = h("div", { class: "upload", "data-testid": "upload" }, h("span", {}, path), bar, state);
  container.append(row);
  try {
    const info = await uploadFile(path, file, (loaded, total) => {
      bar.max = total;
      bar.value = loaded;
      state.textContent = `${Math.round((100 * loaded) / total)}%`;
    });
    bar.value = bar.max;
    state.textContent = `uploaded (${bytes(info.size)})`;
  } catch (err) {
    state.className = "form-error";
    state.textContent = err.message;
  }
}

function table(files, refresh) {
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, h("th", {}, "Path"), h("th", { class: "num" }, "Size"), h("th", { class: "wide" }, "SHA-256"), h("th", {}, h("span", { class: "muted" }, "Actions")))),
    h(
      "tbody",
      {},
      files.map((f) =>
        h(
          "tr",
          {},
          h("td", {}, f.path),
          h("td", { class: "num" }, bytes(f.size)),
          h("td", { class: "wide" }, h("code", { title: f.sha256 }, f.sha256.slice(0, 12) + "…")),
          h("td", {}, deleteButton(f.path, refresh)),
        ),
      ),
    ),
  );
}

/** Two steps, no modal: the first press asks, a second within 4 s deletes. */
function deleteButton(path, refresh) {
  let armed = null;
  const button = h("button", { type: "button", class: "danger", "aria-label": `Delete ${path}` }, "Delete");
  button.addEventListener("click", async () => {
    if (!armed) {
      button.textContent = "Really delete?";
      armed = setTimeout(() => ((armed = null), (button.textContent = "Delete")), 4000);
      return;
    }
    clearTimeout(armed);
    button.disabled = true;
    try {
      await api("DELETE", `/v1/files/${path.split("/").map(encodeURIComponent).join("/")}`);
      refresh();
    } catch (err) {
      button.disabled = false;
      button.textContent = err.message;
    }
  });
  return button;
}
