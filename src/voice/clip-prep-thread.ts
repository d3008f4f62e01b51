/** The clip-preparation thread: decodes a radio clip to stereo PCM and levels it, off the bot's event loop. */
import { parentPort } from 'node:worker_threads';
import { AudioDecodeError, decodeAudio } from '../pipeline/audio/decode.ts';
import { levelClip } from './level.ts';
import type { ClipPrepReply, ClipPrepRequest } from './clip-prep-protocol.ts';

parentPort!.on('message', async (req: ClipPrepRequest) => {
  let reply: ClipPrepReply;
  try {
    const { channels } = await decodeAudio(req.audio, { sampleRate: req.sampleRate, channels: 2 });
    await levelClip(channels, req.sampleRate, req.loudness);
    reply = { id: req.id, ok: true, channels: [channels[0], channels[1]] };
    parentPort!.postMessage(reply, [channels[0].buffer as ArrayBuffer, channels[1].buffer as ArrayBuffer]);
    return;
  } catch (err) {
    const e = err as Error;
    reply = { id: req.id, ok: false, name: e.name, message: e.message, ...(err instanceof AudioDecodeError && err.detail ? { detail: err.detail } : {}) };
  }
  parentPort!.postMessage(reply);
});
