/**
 * What the studio page shows of a guild's radio, as the voice side publishes it for listen-along.
 * Types only, with no imports: the page's bundle takes it too.
 */
export interface ListenState {
  prompt: string;
  nextTarget: string | null;
  round: number;
  roundEndsAt: number;
  suggestions: { prompt: string; votes: number }[];
  listeners: number;
  fallingBehind: boolean;
  stopped: string | null;
}
