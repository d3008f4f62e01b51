export { VoiceStandin, VoiceOp, AES_GCM_RTPSIZE, XCHACHA_RTPSIZE } from './server.ts';
export type { VoiceStandinOptions, VoiceLogEntry } from './server.ts';
export { ReceivedAudio, SAMPLE_RATE, CHANNELS } from './sink.ts';
export type { ReceivedFrame } from './sink.ts';
export { selfSignedCertificate } from './tls.ts';
