/**
 * The shape of src/: no file imports itself back through others, and src's top-level directories
 * depend on each other in one direction only (issue 12). Every import counts, type-only ones too:
 * a type cycle is still a design cycle, even though it vanishes at run time.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/paths.ts';

const srcRoot = resolve(repoRoot, 'src');

type Graph = Map<string, Map<string, string>>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every module specifier a file names: `import … from`, `export … from`, `import()` and `import('…')` types. */
function specifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) found.push(arg.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      found.push(node.moduleReference.expression.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const rel = (path: string): string => relative(repoRoot, path).split(sep).join('/');

/** file -> (imported file -> the specifier as written), for relative imports of files under src/. */
function importGraph(): { graph: Graph; unresolved: string[] } {
  const graph: Graph = new Map();
  const unresolved: string[] = [];
  for (const file of sourceFiles(srcRoot)) {
    const edges = new Map<string, string>();
    for (const spec of specifiers(file, readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      const candidates = [target, target.replace(/\.js$/, '.ts'), `${target}.ts`, join(target, 'index.ts')];
      const hit = candidates.find((c) => existsSync(c) && c.startsWith(srcRoot));
      if (hit) edges.set(rel(hit), spec);
      else if (!existsSync(target)) unresolved.push(`${rel(file)}: ${spec}`);
    }
    graph.set(rel(file), edges);
  }
  return { graph, unresolved };
}

/** Strongly connected components with more than one node, or one node importing itself (Tarjan). */
function cycles(graph: Map<string, Iterable<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || [...(graph.get(v) ?? [])].includes(v)) found.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return found;
}

/** One concrete loop through a component, written `a -> b -> … -> a`, so a failure names the files. */
function loopThrough(component: string[], graph: Map<string, Iterable<string>>): string {
  const members = new Set(component);
  const start = component[0];
  // Breadth-first from start back to start, staying inside the component: the shortest loop.
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at: string | undefined = v; at !== undefined && at !== start; at = previous.get(at)) path.unshift(at);
        path.unshift(start);
        return path.join(' -> ');
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return component.join(', ');
}

/** src/bot/router.ts -> bot; a file directly under src/ is a node of its own. */
const topDir = (file: string): string => file.split('/')[1] + (file.split('/').length > 2 ? '' : ' (file)');

describe('import graph of src/', () => {
  const { graph, unresolved } = importGraph();
  const adjacency = new Map([...graph].map(([file, edges]) => [file, [...edges.keys()]]));

  it('reads the imports of every file (the parser sees what tsc sees)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(unresolved).toEqual([]);
    // Each form the issue names is parsed.
    const forms = specifiers(
      'x.ts',
      [
        "import a from './a.ts';",
        "import type { B } from './b.ts';",
        "export { c } from './c.ts';",
        "export type * from './d.ts';",
        "const e = await import('./e.ts');",
        "type F = typeof import('./f.ts');",
        "// import g from './g.ts';",
      ].join('\n'),
    );
    expect(forms).toEqual(['./a.ts', './b.ts', './c.ts', './d.ts', './e.ts', './f.ts']);
  });

  it('finds a cycle when there is one', () => {
    const looped = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
    ]);
    expect(cycles(looped)).toEqual([['a', 'b', 'c']]);
    expect(loopThrough(['a', 'b', 'c'], looped)).toBe('a -> b -> c -> a');
    expect(cycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });

  it('has no file-level import cycle', () => {
    const loops = cycles(adjacency).map((component) => loopThrough(component, adjacency));
    expect(loops, `import cycles:\n${loops.join('\n')}`).toEqual([]);
  });

  it("has no cycle between src's top-level directories", () => {
    // directory -> directory -> one file-level import that makes the edge, for the message.
    const dirs = new Map<string, Map<string, string>>();
    for (const [file, edges] of graph) {
      const from = topDir(file);
      if (!dirs.has(from)) dirs.set(from, new Map());
      for (const target of edges.keys()) {
        const to = topDir(target);
        if (to !== from && !dirs.get(from)!.has(to)) dirs.get(from)!.set(to, `${file} imports ${target}`);
      }
    }
    const dirAdjacency = new Map([...dirs].map(([dir, edges]) => [dir, [...edges.keys()]]));
    const problems = cycles(dirAdjacency).flatMap((component) => {
      const members = new Set(component);
      const edges = component.flatMap((from) =>
        [...dirs.get(from)!].filter(([to]) => members.has(to)).map(([to, example]) => `  ${from}/ -> ${to}/ (${example})`),
      );
      return [`${loopThrough(component, dirAdjacency)}:`, ...edges];
    });
    expect(problems, `directory cycles:\n${problems.join('\n')}`).toEqual([]);
  });

  it('keeps bot/ the composition root and discord/ a leaf', () => {
    const offending = [...graph].flatMap(([file, edges]) =>
      [...edges.keys()]
        .filter((target) => {
          const from = topDir(file);
          const to = topDir(target);
          if (from !== 'bot' && to === 'bot') return true; // nothing imports the root back
          return from === 'discord' && ['bot', 'commands', 'services', 'voice', 'studio'].includes(to);
        })
        .map((target) => `${file} imports ${target}`),
    );
    expect(offending).toEqual([]);
  });
});
