/** The audio formats riffcord writes, and the files it reads. */

export const AUDIO_FORMATS = ['wav', 'mp3', 'opus'] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];

/** The file extension of each format written (Opus goes in an Ogg container). */
export const AUDIO_EXTENSIONS: Record<AudioFormat, string> = { wav: '.wav', mp3: '.mp3', opus: '.ogg' };

/**
 * The audio files riffcord reads from users, by extension, with the ffmpeg demuxer that reads
 * each. Only these demuxers may run on an input: ffmpeg's probing would otherwise pick any of its
 * hundreds of formats (playlists, concat lists, image sequences) for crafted bytes.
 */
export const AUDIO_INPUT_DEMUXERS = {
  '.mp3': 'mp3',
  '.wav': 'wav',
  '.ogg': 'ogg',
  '.opus': 'ogg',
  '.flac': 'flac',
  '.m4a': 'mov',
  '.aac': 'aac',
  '.webm': 'matroska',
} as const;

export type AudioInputDemuxer = (typeof AUDIO_INPUT_DEMUXERS)[keyof typeof AUDIO_INPUT_DEMUXERS];

export const AUDIO_INPUT_EXTENSIONS = Object.keys(AUDIO_INPUT_DEMUXERS) as (keyof typeof AUDIO_INPUT_DEMUXERS)[];

/** ffmpeg's -format_whitelist value. */
export const ALLOWED_DEMUXERS = [...new Set(Object.values(AUDIO_INPUT_DEMUXERS))].join(',');

/** The demuxer for a file name, when its extension is one riffcord reads. */
export function demuxerForName(name: string): AudioInputDemuxer | undefined {
  const lower = name.toLowerCase();
  const ext = AUDIO_INPUT_EXTENSIONS.find((e) => lower.endsWith(e));
  return ext ? AUDIO_INPUT_DEMUXERS[ext] : undefined;
}
