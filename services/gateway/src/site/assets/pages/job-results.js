// A job's results: while it runs, its first lines as they arrive (the
// completed prefix, `?partial=1&wait=`); once it is done, the first lines
// (read from the stream and then cancelled, so a huge result is never fully
// loaded just to preview it) and the whole file as a download.
import { api } from "../api.js";
import { h } from "../dom.js";

const PREVIEW_LINES = 20;
const PREVIEW_BYTES = 64 * 1024;

export async function showResults(section, job) {
  const preview = h("pre", { "data-testid": "job-results" }, "Loading…");
  const download = h("button", { type: "button", class: "primary" }, "Download results");
  section.replaceChildren(h("h2", { id: "job-results-title" }, "Results"), h("div", { class: "actions" }, download), preview);
  section.hidden = false;

  download.addEventListener("click", async () => {
    download.disabled = true;
    try {
      const res = await api("GET", `/v1/jobs/${job.id}/results`, undefined, { raw: true });
      const json = res.headers.get("content-type")?.includes("application/json");
      const url = URL.createObjectURL(await res.blob());
      const a = h("a", { href: url, download: `${job.name || job.id}-results.${json ? "json" : "jsonl"}`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      download.textContent = `Download failed: ${err.message}`;
    } finally {
      download.disabled = false;
    }
  });

  try {
    const res = await api("GET", `/v1/jobs/${job.id}/results`, undefined, { raw: true });
    const text = await firstLines(res.body, PREVIEW_LINES, PREVIEW_BYTES);
    const json = res.headers.get("content-type")?.includes("application/json");
    preview.textContent = json ? pretty(text) : text.lines.join("\n") + (text.more ? "\n…" : "");
  } catch (err) {
    preview.textContent = err.message;
  }
}

/**
 * A running job's first results, shown line by line as its first chunks land.
 * Stops at PREVIEW_LINES, when the job stops, or when `stop()` is called (the
 * finished job's results take the section over).
 */
export function showFirstResults(section, job) {
  const preview = h("pre", { "data-testid": "job-first-results" }, "Waiting for the first chunk…");
  section.replaceChildren(h("h2", { id: "job-results-title" }, "First results"), h("p", { class: "hint" }, "In input order, as the first chunks finish."), preview);
  section.hidden = false;
  let reader = null;
  let stopped = false;
  (async () => {
    try {
      const res = await api("GET", `/v1/jobs/${job.id}/results?partial=1&wait=300`, undefined, { raw: true });
      if (stopped) return res.body.cancel();
      reader = res.body.getReader();
      const decoder = new TextDecoder();
      let text = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done || stopped) break;
        text += decoder.decode(value, { stream: true });
        const lines = text.split("\n").filter((l) => l.length > 0 && !l.startsWith('{"error"'));
        if (lines.length) preview.textContent = lines.slice(0, PREVIEW_LINES).join("\n") + (lines.length > PREVIEW_LINES ? "\n…" : "");
        if (lines.length > PREVIEW_LINES) break;
      }
      reader.cancel();
    } catch (err) {
      if (!stopped) preview.textContent = err.message;
    }
  })();
  return {
    stop() {
      stopped = true;
      reader?.cancel();
    },
  };
}

async function firstLines(body, maxLines, maxBytes) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let more = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (text.split("\n").length > maxLines || text.length > maxBytes) {
      more = true;
      reader.cancel();
      break;
    }
  }
  const lines = text.split("\n").filter((l) => l.length > 0);
  if (lines.length > maxLines) more = true;
  return { lines: lines.slice(0, maxLines), more, raw: text };
}

function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text.raw), null, 2);
  } catch {
    return text.raw;
  }
}
