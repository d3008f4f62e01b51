/** Runs Debian's ffmpeg as a codec: bytes in on stdin, bytes out on stdout, errors in plain words. */
import { spawn } from 'node:child_process';

export class FfmpegMissingError extends Error {
  override name = 'FfmpegMissingError';
  constructor() {
    super('ffmpeg is not installed or not on PATH; install it (Debian: apt-get install ffmpeg) or set RIFFCORD_FFMPEG');
  }
}

export const ffmpegPath = (): string => process.env.RIFFCORD_FFMPEG ?? 'ffmpeg';

export interface FfmpegRun {
  stdout: Buffer;
  stderr: string;
  code: number | null;
}

/** A run past its time limit, killed. */
export class FfmpegTimeoutError extends Error {
  override name = 'FfmpegTimeoutError';
  constructor(readonly seconds: number) {
    super(`ffmpeg did not finish within ${seconds} s`);
  }
}

/** Long enough for any input riffcord takes (minutes of audio decode in well under a second each). */
export const DEFAULT_FFMPEG_TIMEOUT_MS = 60_000;

export function runFfmpeg(args: string[], input?: Uint8Array, timeoutMs = DEFAULT_FFMPEG_TIMEOUT_MS): Promise<FfmpegRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), ['-hide_banner', '-nostdin', '-v', 'error', ...args], {
      stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new FfmpegTimeoutError(timeoutMs / 1000));
    }, timeoutMs);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(e.code === 'ENOENT' ? new FfmpegMissingError() : e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8').trim(), code });
    });
    if (input && child.stdin) {
      // ffmpeg may stop reading early (e.g. a bad header); that is reported through its exit code.
      child.stdin.on('error', () => {});
      child.stdin.end(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    }
  });
}
