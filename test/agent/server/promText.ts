// A strict reader of the Prometheus text exposition format (0.0.4) for the server tests: every line
// must be a comment (# HELP / # TYPE) or a sample `name{label="value",…} number`, and every sample
// must belong to a metric family declared by # TYPE. Throws on the first line that is neither.
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: Sample[];
  /** The value of the one sample with this name and exactly these labels; throws if absent. */
  value(name: string, labels?: Record<string, string>): number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
const SUFFIXES = ["_bucket", "_sum", "_count", "_total", "_created"];

function number(s: string, line: string): number {
  // Prometheus reads values with Go's strconv.ParseFloat, which takes NaN and Inf in any case
  // (prom-client writes "Nan").
  if (/^nan$/i.test(s)) return NaN;
  if (/^\+?inf$/i.test(s)) return Infinity;
  if (/^-inf$/i.test(s)) return -Infinity;
  const v = Number(s);
  if (!/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) || Number.isNaN(v)) throw new Error(`not a sample value: ${line}`);
  return v;
}

function labelsOf(s: string | undefined, line: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!s) return out;
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < s.length) {
    const m = LABEL.exec(s);
    if (!m) throw new Error(`malformed labels: ${line}`);
    out[m[1]] = m[2].replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    if (m[3] === "") break;
  }
  return out;
}

export function parsePrometheus(text: string): Exposition {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const c = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (c) {
      if (c[1] === "TYPE") {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(c[3])) throw new Error(`unknown type: ${line}`);
        types.set(c[2], c[3]);
      } else help.set(c[2], c[3]);
      continue;
    }
    if (line.startsWith("#")) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const family = types.has(m[1]) ? m[1] : SUFFIXES.map((s) => (m[1].endsWith(s) ? m[1].slice(0, -s.length) : "")).find((f) => f && types.has(f));
    if (!family) throw new Error(`sample without a # TYPE: ${line}`);
    samples.push({ name: m[1], labels: labelsOf(m[2], line), value: number(m[3], line) });
  }
  const same = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);
  return {
    types,
    help,
    samples,
    value(name, labels = {}) {
      const found = samples.filter((s) => s.name === name && same(s.labels, labels));
      if (found.length !== 1) throw new Error(`${found.length} samples of ${name}${JSON.stringify(labels)}`);
      return found[0].value;
    },
  };
}
