/**
 * Reads a /metrics answer as Prometheus would: parsed by a real parser of the
 * text format (parse-prometheus-text-format), so a malformed exposition fails
 * the test rather than passing a regex.
 */
// @ts-expect-error the package ships no types; its output is typed below.
import parse from "parse-prometheus-text-format";

export interface MetricFamily {
  name: string;
  help: string;
  type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
  metrics: Array<{ value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string; sum?: string }>;
}

export class Scrape {
  readonly families: Map<string, MetricFamily>;
  /** Every sample line by its own name (`x_count`, `x_bucket`…) with its labels: the parser folds a labelled histogram's series into one, so they are read again without the TYPE lines. */
  private readonly samples: Map<string, MetricFamily>;

  constructor(text: string) {
    const byName = (families: MetricFamily[]) => {
      const map = new Map<string, MetricFamily>();
      for (const f of families) map.set(f.name, map.has(f.name) ? { ...f, metrics: [...map.get(f.name)!.metrics, ...f.metrics] } : f);
      return map;
    };
    this.families = byName(parse(text));
    this.samples = byName(parse(text.split("\n").filter((line) => !line.startsWith("#")).join("\n")));
  }

  static async of(url: string): Promise<Scrape> {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
    const type = res.headers.get("content-type") ?? "";
    if (!type.startsWith("text/plain")) throw new Error(`GET ${url}: content-type ${type}, not the text format`);
    return new Scrape(await res.text());
  }

  family(name: string): MetricFamily {
    const f = this.families.get(name);
    if (!f) throw new Error(`no metric ${name} (have: ${[...this.families.keys()].join(", ")})`);
    return f;
  }

  /** The label sets of every series of `name` (a histogram's by its `_count`). */
  series(name: string): Array<Record<string, string>> {
    const { type } = this.family(name);
    return (this.samples.get(type === "HISTOGRAM" || type === "SUMMARY" ? `${name}_count` : name)?.metrics ?? []).map((m) => m.labels ?? {});
  }

  /** The sum of the series of `name` whose labels include `labels`; for a histogram, of their counts. */
  value(name: string, labels: Record<string, string> = {}): number {
    const { type } = this.family(name);
    const series = this.samples.get(type === "HISTOGRAM" || type === "SUMMARY" ? `${name}_count` : name)?.metrics ?? [];
    const matching = series.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    return matching.reduce((sum, m) => sum + Number(m.value), 0);
  }
}
