import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = join(ROOT, 'src');

/** The layer table of docs/architecture.md: folder -> rank (cli.ts at the root of src/ is `cli`). */
function documentedLayers(): Map<string, number> {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Layers'));
  const layers = new Map<string, number>();
  for (const m of section.matchAll(/^\|\s*(\d+)\s*\|([^|]+)\|/gm)) {
    for (const folder of (m[2] ?? '').split(',')) layers.set(folder.trim().replace(/`|\/$/g, ''), Number(m[1]));
  }
  return layers;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every import and re-export of a file, as written (type-only ones included: they bind the layers just the same). */
function importsOf(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, false).importedFiles.map((f) => f.fileName);
}

function folderOf(file: string): string {
  const rel = relative(SRC, file);
  return rel.includes('/') ? (rel.split('/')[0] ?? '') : rel.replace(/\.ts$/, '');
}

const files = sourceFiles(SRC);
const graph = new Map(
  files.map((f) => [
    f,
    importsOf(f)
      .filter((s) => s.startsWith('.'))
      .map((s) => resolve(dirname(f), s.replace(/\.js$/, '.ts'))),
  ]),
);

test('docs/architecture.md places every folder of src/ in a layer', () => {
  const layers = documentedLayers();
  const folders = [...new Set(files.map(folderOf))].sort();
  assert.deepEqual(
    folders.filter((f) => !layers.has(f)),
    [],
  );
  assert.deepEqual(
    [...layers.keys()].filter((f) => !folders.includes(f)),
    [],
    'the table names no folder that is gone',
  );
});

test('imports run one way: a folder imports only from itself and from lower layers', () => {
  const layers = documentedLayers();
  const upOrSideways: string[] = [];
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    for (const target of targets) {
      const to = folderOf(target);
      if (to === from) continue;
      if ((layers.get(to) ?? Infinity) >= (layers.get(from) ?? -Infinity)) {
        upOrSideways.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
      }
    }
  }
  assert.deepEqual(upOrSideways, []);
});

test('no import cycle between the files of src/', () => {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(SRC, f)).join(' -> '));
      return;
    }
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepEqual(cycles, []);
});

test('every relative import names a file that exists', () => {
  const missing = [...graph.entries()].flatMap(([file, targets]) =>
    targets.filter((t) => !graph.has(t)).map((t) => `${relative(SRC, file)} -> ${relative(SRC, t)}`),
  );
  assert.deepEqual(missing, []);
});

test('the pure core (tree/, plan/) imports no AWS SDK, no etcd client and no I/O module', () => {
  const io = /^(@aws-sdk\/|etcd3$|node:(fs|net|http|https|child_process|dgram|tls)(\/|$)|winston$|p-queue$)/;
  const impure = files
    .filter((f) => ['tree', 'plan'].includes(folderOf(f)))
    .flatMap((f) =>
      importsOf(f)
        .filter((s) => io.test(s))
        .map((s) => `${relative(SRC, f)} -> ${s}`),
    );
  assert.deepEqual(impure, []);
});

test('the fake AWS endpoint shares nothing with the daemon but util/ (it must not echo our own assumptions)', () => {
  const shared = files
    .filter((f) => folderOf(f) === 'fake-aws')
    .flatMap((f) => (graph.get(f) ?? []).map((t) => [f, t] as const))
    .filter(([, t]) => !['fake-aws', 'util'].includes(folderOf(t)))
    .map(([f, t]) => `${relative(SRC, f)} -> ${relative(SRC, t)}`);
  assert.deepEqual(shared, []);
});

test('what the benchmarks and scripts import from the built CLI exists in src/', async () => {
  const missing: string[] = [];
  for (const dir of ['bench', 'bench/lib', 'scripts', 'scripts/lib']) {
    for (const name of readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.mjs'))) {
      const text = readFileSync(join(ROOT, dir, name), 'utf8');
      for (const m of text.matchAll(/import \{([^}]*)\} from '((?:\.\.\/)+dist\/[^']+)\.js'/g)) {
        const source = resolve(
          ROOT,
          dir,
          (m[2] ?? '').replace(/(\.\.\/)+dist\//, `${relative(join(ROOT, dir), SRC)}/`),
        );
        const mod = (await import(`${source}.ts`).catch(() => undefined)) as Record<string, unknown> | undefined;
        const names = (m[1] ?? '').split(',').map((n) => n.trim().split(/\s+as\s+/)[0] ?? '');
        for (const n of names.filter(Boolean)) {
          if (!mod || !(n in mod)) missing.push(`${dir}/${name}: ${n} from ${relative(ROOT, source)}`);
        }
      }
    }
  }
  assert.deepEqual(missing, []);
});

/** The modules a file loads when it is loaded: static imports and re-exports that are not type-only. */
function runtimeImportsOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const out: string[] = [];
  for (const st of source.statements) {
    if (ts.isImportDeclaration(st) && !st.importClause?.isTypeOnly && ts.isStringLiteral(st.moduleSpecifier)) {
      const named = st.importClause?.namedBindings;
      const allTypes =
        named !== undefined &&
        ts.isNamedImports(named) &&
        st.importClause?.name === undefined &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      if (!allTypes) out.push(st.moduleSpecifier.text);
    }
    if (ts.isExportDeclaration(st) && !st.isTypeOnly && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      out.push(st.moduleSpecifier.text);
    }
  }
  return out;
}

/** The chains of static imports from `entry` that reach a package matching `heavy`. */
function staticReach(entry: string, heavy: RegExp): string[] {
  const seen = new Set<string>();
  const reached: string[] = [];
  const visit = (file: string, via: string[]): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of runtimeImportsOf(file)) {
      if (spec.startsWith('.'))
        visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')), [...via, relative(SRC, file)]);
      else if (heavy.test(spec)) reached.push(`${[...via, relative(SRC, file)].join(' -> ')} -> ${spec}`);
    }
  };
  visit(join(SRC, entry), []);
  return reached;
}

test('starting the CLI loads no AWS SDK, etcd client, logger, metrics or XML library until a command needs it', () => {
  // Every service unit's start runs `lbmanager announce`, and `--version` should answer at once: the heavy modules
  // are imported by the command that uses them, when it runs.
  const heavy = /^(@aws-sdk\/|@smithy\/|etcd3$|@grpc\/|winston$|prom-client$|fast-xml-parser$|p-queue$|cockatiel$)/;
  assert.deepEqual(staticReach('cli.ts', heavy), []);
});

test('the daemon loads an AWS SDK client only when its tree has a target of that kind', () => {
  assert.deepEqual(staticReach('daemon/daemon.ts', /^@aws-sdk\/client-/), []);
});

test('no file in src/ is over 400 lines (small modules whose names say what is inside)', () => {
  const long = files
    .map((f) => [relative(SRC, f), readFileSync(f, 'utf8').split('\n').length - 1] as const)
    .filter(([, lines]) => lines > 400);
  assert.deepEqual(long, []);
});
