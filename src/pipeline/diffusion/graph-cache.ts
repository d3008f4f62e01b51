/**
 * Where onnxruntime's optimised graph of a model file is kept between processes. Graph
 * optimisation at level "all" is most of a session's creation time (riffcord-small: about 300 ms of
 * a CLI run's 400 ms of session creation), and its result depends only on the model file, the
 * onnxruntime version, the execution provider and the CPU it was made on (the NCHWc layout
 * transform is CPU-specific), so those name the cached file. A cached graph is loaded with
 * optimisation off; it computes the same values as a fresh optimisation (checked by the tests).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { arch, cpus, homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';

/** RIFFCORD_CACHE_DIR, else $XDG_CACHE_HOME/riffcord, else ~/.cache/riffcord; "off" disables. */
export function cacheRootFromEnv(env: NodeJS.ProcessEnv = process.env): string | null {
  const set = env.RIFFCORD_CACHE_DIR;
  if (set !== undefined && set !== '') return set.toLowerCase() === 'off' ? null : resolve(set);
  const xdg = env.XDG_CACHE_HOME;
  if (xdg) return join(resolve(xdg), 'riffcord');
  const home = homedir();
  return home ? join(home, '.cache', 'riffcord') : null;
}

export interface CachedGraph {
  /** The optimised graph, present or not. */
  path: string;
  /** Creates the session for `modelPath` and saves its optimised graph at `path` (atomically). */
  optimiseInto(create: (extra: ort.InferenceSession.SessionOptions) => Promise<ort.InferenceSession>): Promise<ort.InferenceSession>;
}

/** The cache slot of one model file under `root`, or null when the file cannot be identified. */
export function cachedGraph(root: string, modelPath: string, executionProvider: string): CachedGraph | null {
  let stamp: string;
  try {
    const st = statSync(modelPath);
    stamp = `${resolve(modelPath)}\0${st.size}\0${st.mtimeMs}`;
  } catch {
    return null;
  }
  const key = createHash('sha256')
    .update([stamp, ort.env.versions.node ?? ort.env.versions.common ?? '', executionProvider, arch(), cpus()[0]?.model ?? ''].join('\0'))
    .digest('hex')
    .slice(0, 24);
  const dir = join(root, 'onnx-graphs');
  // <model folder>-<network>-<key>: a new version of the same network replaces the old file.
  const slot = `${basename(dirname(dirname(modelPath)))}-${basename(dirname(modelPath))}-`;
  const path = join(dir, `${slot}${key}.onnx`);
  return {
    path,
    async optimiseInto(create) {
      const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
      try {
        mkdirSync(dir, { recursive: true });
      } catch {
        return create({}); // a read-only cache: optimise every time, as without one
      }
      // Severity 3 (errors only): onnxruntime warns on every save that the graph is CPU-specific,
      // which the key above already accounts for.
      const session = await create({ optimizedModelFilePath: tmp, logSeverityLevel: 3 });
      try {
        renameSync(tmp, path);
        pruneSlot(dir, slot, path);
      } catch {
        rmSync(tmp, { force: true });
      }
      return session;
    },
  };
}

/** Graphs an older version of the same file left in its slot, and temporary files a crash left. */
function pruneSlot(dir: string, slot: string, keep: string): void {
  const staleTmp = Date.now() - 10 * 60_000;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (p === keep) continue;
    try {
      if ((name.startsWith(slot) && name.endsWith('.onnx')) || (name.endsWith('.tmp') && statSync(p).mtimeMs < staleTmp)) rmSync(p, { force: true });
    } catch {
      // another process pruned it first
    }
  }
}
