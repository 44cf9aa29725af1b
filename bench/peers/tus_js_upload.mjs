#!/usr/bin/env node
// Baseline for the comparison suite (bench/compare/run.sh): uploads every regular file under a
// directory to a CVAT-compatible server the way CVAT's web UI does it, with tus-js-client, one
// TUS upload per file, wrapped in CVAT's data session:
//
//   POST /api/tasks -> POST .../data/ (Upload-Start) -> one TUS upload per file
//   -> POST .../data/ (Upload-Finish) -> poll GET /api/requests/<rq_id>
//
// Uploads run through a small pool of N workers (--concurrency). Prints one JSON line on stdout.
// The access token is read from a file (--token-file), never from the command line.
//
// usage: node tus_js_upload.mjs --server URL --token-file FILE --dir DIR
//          [--concurrency N] [--chunk-size BYTES] [--name TASK] [--auth-scheme Token|Bearer]
//          [--poll-ms MS] [--image-quality Q] [--sorting-method M]
import { createReadStream, readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, basename } from 'node:path';
import { createRequire } from 'node:module';
import { Upload } from 'tus-js-client';

const t0 = process.hrtime.bigint();
const seconds = (from, to = process.hrtime.bigint()) => Number(to - from) / 1e9;

function usage(msg) {
  if (msg) process.stderr.write(`tus_js_upload: ${msg}\n`);
  process.stderr.write(
    'usage: node tus_js_upload.mjs --server URL --token-file FILE --dir DIR\n' +
      '         [--concurrency N] [--chunk-size BYTES] [--name TASK] [--auth-scheme Token|Bearer]\n' +
      '         [--poll-ms MS] [--image-quality Q] [--sorting-method M]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const o = {
    server: null, tokenFile: null, dir: null, concurrency: 1, chunkSize: null,
    name: null, authScheme: 'Token', pollMs: 50, imageQuality: 70,
    sortingMethod: 'lexicographical',
  };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    const positive = (v) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n <= 0) usage(`${a}: expected a positive integer, got '${v}'`);
      return n;
    };
    switch (a) {
      case '--server': o.server = next(); break;
      case '--token-file': o.tokenFile = next(); break;
      case '--dir': o.dir = next(); break;
      case '--concurrency': o.concurrency = positive(next()); break;
      case '--chunk-size': o.chunkSize = positive(next()); break;
      case '--name': o.name = next(); break;
      case '--auth-scheme': o.authScheme = next(); break;
      case '--poll-ms': o.pollMs = positive(next()); break;
      case '--image-quality': o.imageQuality = positive(next()); break;
      case '--sorting-method': o.sortingMethod = next(); break;
      case '-h': case '--help': usage();
      // falls through (usage exits)
      default: usage(`unknown argument '${a}'`);
    }
  }
  if (!o.server || !o.tokenFile || !o.dir) usage('--server, --token-file and --dir are required');
  return o;
}

// Every regular file under dir, in code-point order of the relative path. CVAT keeps basenames
// only, so two files with one basename would collide on the server: refuse them up front.
async function listFiles(dir) {
  const out = [];
  async function walk(d, rel) {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      const p = join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(p, r);
      else if (e.isFile()) out.push({ path: p, rel: r });
    }
  }
  await walk(dir, '');
  out.sort((a, b) => (Buffer.compare(Buffer.from(a.rel), Buffer.from(b.rel))));
  const seen = new Map();
  for (const f of out) {
    const b = basename(f.rel);
    if (seen.has(b)) throw new Error(`two files share the basename '${b}': ${seen.get(b)}, ${f.rel}`);
    seen.set(b, f.rel);
  }
  // Sizes: stat in small parallel groups (part of the measured total, as a real client pays it).
  const group = 64;
  for (let i = 0; i < out.length; i += group) {
    const slice = out.slice(i, i + group);
    const sts = await Promise.all(slice.map((f) => stat(f.path)));
    sts.forEach((s, j) => { slice[j].size = s.size; });
  }
  return out;
}

async function api(opts, method, path, { headers = {}, json, expect }) {
  const init = { method, headers: { Authorization: opts.auth, ...headers } };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  const res = await fetch(new URL(path, opts.base), init);
  const text = await res.text();
  if (!expect.includes(res.status)) {
    throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  }
  return text ? JSON.parse(text) : null;
}

function uploadOne(opts, dataUrl, file) {
  return new Promise((resolve, reject) => {
    const upload = new Upload(createReadStream(file.path), {
      endpoint: dataUrl,
      // CVAT builds Location from Origin (no proxy here); the token goes on every request.
      headers: { Authorization: opts.auth, Origin: opts.base.origin },
      metadata: { filename: basename(file.rel) },
      chunkSize: opts.chunkSize ?? Infinity,
      uploadDataDuringCreation: false,
      storeFingerprintForResuming: false,
      removeFingerprintOnSuccess: false,
      retryDelays: null,
      onSuccess: () => resolve(),
      onError: (err) => reject(new Error(`${file.rel}: ${err.message}`)),
    });
    upload.start();
  });
}

async function uploadAll(opts, dataUrl, files) {
  let next = 0;
  let failed = null;
  async function worker() {
    while (failed === null && next < files.length) {
      const f = files[next++];
      try {
        await uploadOne(opts, dataUrl, f);
      } catch (e) {
        failed = failed ?? e;
      }
    }
  }
  const n = Math.min(opts.concurrency, Math.max(files.length, 1));
  await Promise.all(Array.from({ length: n }, worker));
  if (failed) throw failed;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const token = readFileSync(opts.tokenFile, 'utf8').split(/\r?\n/)[0].trim();
  if (!token) throw new Error(`no token in ${opts.tokenFile}`);
  opts.auth = `${opts.authScheme} ${token}`;
  opts.base = new URL(opts.server.endsWith('/') ? opts.server : `${opts.server}/`);

  const files = await listFiles(opts.dir);
  if (files.length === 0) throw new Error(`no files under ${opts.dir}`);
  if (files.some((f) => f.size === 0)) throw new Error('empty files cannot go through CVAT TUS');
  const bytes = files.reduce((s, f) => s + f.size, 0);

  const task = await api(opts, 'POST', 'api/tasks', {
    json: { name: opts.name ?? `tus-js-client c${opts.concurrency}`, labels: [{ name: 'x' }] },
    expect: [201],
  });
  const dataPath = `api/tasks/${task.id}/data/`;
  const dataUrl = new URL(dataPath, opts.base).href;
  await api(opts, 'POST', dataPath, { headers: { 'Upload-Start': 'true' }, expect: [202] });

  const tUp = process.hrtime.bigint();
  await uploadAll(opts, dataUrl, files);
  const uploadSeconds = seconds(tUp);

  const fin = await api(opts, 'POST', dataPath, {
    headers: { 'Upload-Finish': 'true' },
    json: { image_quality: opts.imageQuality, sorting_method: opts.sortingMethod },
    expect: [202],
  });
  let status;
  for (;;) {
    const r = await api(opts, 'GET', `api/requests/${encodeURIComponent(fin.rq_id)}`, { expect: [200] });
    status = r.status;
    if (status === 'finished') break;
    if (status === 'failed') throw new Error(`task creation failed: ${r.message}`);
    await new Promise((res) => setTimeout(res, opts.pollMs));
  }
  const totalSeconds = seconds(t0);

  const require = createRequire(import.meta.url);
  const version = require('tus-js-client/package.json').version;
  const r3 = (x) => Math.round(x * 1000) / 1000;
  process.stdout.write(JSON.stringify({
    tool: 'tus-js-client',
    version,
    concurrency: opts.concurrency,
    chunk_size: opts.chunkSize,
    files: files.length,
    bytes,
    upload_seconds: r3(uploadSeconds),
    total_seconds: r3(totalSeconds),
    files_per_s: r3(files.length / uploadSeconds),
    mb_per_s: r3(bytes / 1e6 / uploadSeconds),
    files_per_s_total: r3(files.length / totalSeconds),
    mb_per_s_total: r3(bytes / 1e6 / totalSeconds),
    task_id: task.id,
    status,
  }) + '\n');
}

main().catch((e) => {
  process.stderr.write(`tus_js_upload: ${e.message}\n`);
  process.exit(1);
});
