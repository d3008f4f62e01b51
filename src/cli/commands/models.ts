/** `riffcord models list|verify`: what models are installed and whether one is usable. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ModelLoadError } from '../../pipeline/diffusion/errors.ts';
import { CliError } from '../errors.ts';

export function register(program: Command): void {
  const models = program.command('models').description('list and check diffusion models');

  models
    .command('list')
    .description('list models in RIFFCORD_MODELS_DIR and models/')
    .action(async () => {
      // Loaded on use: onnxruntime and the diffusion modules cost every other command start-up time.
      const { listModelDirs, modelSearchDirs } = await import('../../pipeline/load-generator.ts');
      const { DEFAULT_MODEL_ID } = await import('../../pipeline/model-id.ts');
      const { readModelDir } = await import('../../pipeline/diffusion/model-dir.ts');
      const found = listModelDirs();
      const def = process.env.RIFFCORD_MODEL ?? DEFAULT_MODEL_ID;
      if (found.length === 0) {
        console.log(`no models installed in ${modelSearchDirs().join(', ')}; see models/README.md`);
        return;
      }
      for (const { id, dir } of found) {
        let info: string;
        try {
          const m = readModelDir(dir).manifest;
          info = `${m.displayName}, ${m.image.width}x${m.image.height}, ${m.defaults.steps} steps`;
        } catch (e) {
          info = `unusable: ${(e as Error).message}`;
        }
        console.log(`${id === def ? '*' : ' '} ${id.padEnd(20)} ${info}  (${dir})`);
      }
    });

  models
    .command('verify')
    .description('check a model folder: files, input/output names, shapes, dtypes, and a one-step run')
    .argument('<dir|id>', 'model folder or id')
    .action(async (target: string) => {
      const { resolveModelDir } = await import('../../pipeline/load-generator.ts');
      const { runtimeOptionsFromEnv } = await import('../../pipeline/diffusion/session.ts');
      const { verifyModel } = await import('../../pipeline/diffusion/verify.ts');
      let dir: string;
      try {
        dir = existsSync(target) ? resolve(target) : resolveModelDir(target);
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      let report;
      try {
        report = await verifyModel(dir, runtimeOptionsFromEnv());
      } catch (e) {
        if (e instanceof ModelLoadError) throw new CliError(e.message);
        throw e;
      }
      for (const c of report.checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.what.padEnd(15)} ${c.detail}`);
      if (!report.ok) throw new CliError(`${dir} is not usable; fix the FAIL lines above`);
      console.log(`${dir}: usable`);
    });
}
