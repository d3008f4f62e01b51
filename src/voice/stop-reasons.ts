/** Why the radio stopped, in words for the channel. */
import { userMessageFor } from '../discord/errors.ts';
import { VoiceJoinError } from './connection.ts';

export function describeStop(err: unknown): string {
  if (err instanceof VoiceJoinError) return `${err.message}.`;
  return userMessageFor(err).text;
}
