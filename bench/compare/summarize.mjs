// Turns the raw JSON lines of bench/compare/run.sh into the markdown of bench/RESULTS.md.
// usage: node summarize.mjs RAW.jsonl > RESULTS.md   (the environment comes from CMP_* variables)
import { readFileSync } from 'node:fs';

const env = process.env;
const lines = readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.trim());
const all = lines.map((l) => JSON.parse(l));
const failed = all.filter((r) => r.error);
const rows = all.filter((r) => !r.error);

const BASELINES = (p) => p.startsWith('tus-js-client') || p.startsWith('curl ');
const STREAM = (p) => p.startsWith('ceiling');
// Row order: cvat-ingest, the baselines, then the ceilings.
const rank = (p) => (p.startsWith('cvat-ingest') ? 0 : BASELINES(p) ? 1 : STREAM(p) ? 2 : 3);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x) => {
  if (x === null || x === undefined || Number.isNaN(x)) return '–';
  if (x >= 100) return Math.round(x).toLocaleString('en-US');
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
};
const stat = (xs) => {
  const v = xs.filter((x) => typeof x === 'number');
  if (v.length === 0) return null;
  return { med: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length };
};
const cell = (s) => {
  if (!s) return '–';
  if (s.n === 1 || s.min === s.max) return fmt(s.med);
  return `${fmt(s.med)} (${fmt(s.min)}–${fmt(s.max)})`;
};

// workload -> point -> runs, in the order of first appearance.
const byWl = new Map();
for (const r of rows) {
  if (!byWl.has(r.workload)) byWl.set(r.workload, { spec: r.spec, points: new Map() });
  const w = byWl.get(r.workload);
  if (!w.points.has(r.point)) w.points.set(r.point, []);
  w.points.get(r.point).push(r);
}

const wlDesc = new Map((env.CMP_WLS || '').split(';').filter(Boolean).map((kv) => {
  const i = kv.indexOf('=');
  return [kv.slice(0, i), kv.slice(i + 1)];
}));

const out = [];
const p = (s = '') => out.push(s);
p('# Upload throughput: cvat-ingest against the tools users would otherwise use');
p();
p(`Measured ${env.CMP_DATE} by \`${env.CMP_CMD}\` (commit ${env.CMP_COMMIT}, ` +
  `${env.CMP_DURATION} s in all).`);
p();
p(`- Machine: ${env.CMP_CORES} cores, ${env.CMP_CPU}, ${env.CMP_MEM} RAM, ${env.CMP_KERNEL}.`);
p(`- Tools: node ${env.CMP_NODE}, tus-js-client ${rows.find((r) => r.tool === 'tus-js-client')?.version ?? '–'}, ` +
  `${env.CMP_CURL}, ${env.CMP_XXHSUM}.`);
p(`- Receiver: \`cvat-ingest serve --discard\` on 127.0.0.1 (bodies hashed and dropped), one ` +
  `instance for the whole run${Number(env.CMP_RESTARTS) > 0 ? ` (restarted ${env.CMP_RESTARTS} time(s) after something else on the machine stopped it)` : ''}; peak RSS ${env.CMP_SERVE_RSS && env.CMP_SERVE_RSS !== 'null' ? `${Math.round(env.CMP_SERVE_RSS / 1024)} MiB` : '–'}.`);
p(`- Corpora: files named \`*.jpg\` of exact sizes (a 64x48 JPEG from make_corpus followed by ` +
  `random bytes), page cache warm. ${env.CMP_REPEAT} run(s) per point; figures are medians ` +
  `with (min–max).`);
if (env.CMP_NOTE) p(`- Note: ${env.CMP_NOTE}`);
if (failed.length) {
  p(`- Failed runs (left out of the figures): ${failed.map((r) => `${r.workload} ${r.point} run ${r.run}`).join(', ')}.`);
}
p(`- cvat-ingest upload: ${env.CMP_INGEST === '1' ? 'measured' : 'not available in this build (skipped)'}.`);
p();
p('How to read the tables: *end-to-end* is the whole session as a user runs it (listing the ' +
  'files, creating the task, Upload-Start, every upload, Upload-Finish, polling the request ' +
  'until finished; for node and curl this includes process start-up). *files/s* and *MB/s* ' +
  '(10^6 bytes) are over the end-to-end time; *upload MB/s* counts only the upload phase ' +
  '(first creation to last PATCH). *x best* is the end-to-end MB/s divided by that of the ' +
  'best baseline of the workload (tus-js-client or curl, marked **best**). The disk rows ' +
  '(`cat`, `xxhsum -H3` over the warm corpus) and the single PATCH stream are ceilings, not ' +
  'competitors.');
if (Number(env.CMP_SAMPLE) > 0) {
  p();
  p(`The curl baselines pay two process start-ups per file, so on corpora with more than ` +
    `${env.CMP_SAMPLE} files they upload an evenly spread sample of about ${env.CMP_SAMPLE} (every k-th file; rates, not totals, ` +
    `are compared; the *files* column says how many went up).`);
}

const summary = [];  // [point, workload, stat]
for (const [wl, w] of byWl) {
  const title = wlDesc.get(wl) ?? w.spec;
  const anyRun = [...w.points.values()][0][0];
  p();
  p(`## ${wl}: ${title} (${fmt(anyRun.bytes / 1e6)} MB)`);
  p();
  const stats = new Map();
  const ordered = [...w.points].sort((a, b) => rank(a[0]) - rank(b[0]));
  for (const [point, runs] of ordered) {
    stats.set(point, {
      runs: runs.length,
      files: runs[0].files,
      total: stat(runs.map((r) => r.total_seconds)),
      fps: stat(runs.map((r) => r.files_per_s_total)),
      mbs: stat(runs.map((r) => r.mb_per_s_total)),
      upmbs: stat(runs.map((r) => r.mb_per_s)),
    });
  }
  let best = null;
  for (const [point, s] of stats) {
    if (BASELINES(point) && s.mbs && (!best || s.mbs.med > stats.get(best).mbs.med)) best = point;
  }
  p('| tool | runs | files | end-to-end s | files/s | MB/s | upload MB/s | x best |');
  p('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const [point, s] of stats) {
    // The single stream is one file: its session overhead is not the point, its PATCH is.
    const mine = STREAM(point) ? s.upmbs : s.mbs;
    const ratio = best && mine ? mine.med / stats.get(best).mbs.med : null;
    const name = point === best ? `${point} (**best**)` : point;
    const r = ratio === null ? '–' : `${ratio.toFixed(2)}x${STREAM(point) ? ' †' : ''}`;
    p(`| ${name} | ${s.runs} | ${s.files.toLocaleString('en-US')} | ${cell(s.total)} | ` +
      `${cell(s.fps)} | ${cell(s.mbs)} | ${cell(s.upmbs)} | ${r} |`);
    summary.push([point, wl, s]);
  }
  if ([...stats.keys()].some(STREAM)) {
    p();
    p('† the single PATCH stream (creation + one `curl -X PATCH -T` of the largest file) is ' +
      'compared by its upload MB/s; its end-to-end time is mostly the session around one file.');
  }
}

// One overview: end-to-end MB/s (files/s) per point and workload.
const wls = [...byWl.keys()];
const pointsSeen = [...new Set(summary.map(([pt]) => pt))].sort((a, b) => rank(a) - rank(b));
p();
p('## Overview: end-to-end MB/s (files/s), medians');
p();
p(`| tool | ${wls.join(' | ')} |`);
p(`|---|${wls.map(() => '---:').join('|')}|`);
for (const pt of pointsSeen) {
  const cells = wls.map((wl) => {
    const e = summary.find(([a, b]) => a === pt && b === wl);
    return e && e[2].mbs ? `${fmt(e[2].mbs.med)} (${fmt(e[2].fps.med)})` : '–';
  });
  p(`| ${pt} | ${cells.join(' | ')} |`);
}
p();
p(`Raw JSON lines (one per run): \`${env.CMP_RAW}\`.`);
process.stdout.write(out.join('\n') + '\n');
