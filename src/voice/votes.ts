/**
 * One vote round: up to `maxSuggestions` distinct prompts, one vote per listener (a new vote
 * moves the old one), only listeners in the radio's voice channel count. The winner has the most
 * counted votes; ties go to the earliest suggestion. Pure state, serialisable for Redis.
 */

export interface Suggestion {
  prompt: string;
  userId: string;
}

export interface RoundData {
  number: number;
  startedAt: number;
  suggestions: Suggestion[];
  /** userId -> index of the suggestion voted for. */
  votes: Record<string, number>;
  /** Users who asked to skip to the next round. */
  skips: string[];
}

export type SuggestResult = { ok: true; index: number } | { ok: false; reason: 'duplicate'; index: number } | { ok: false; reason: 'full' };

export const NUMBER_EMOJIS = ['1️⃣', '2️⃣', '3️⃣', '4️⃣', '5️⃣', '6️⃣', '7️⃣', '8️⃣', '9️⃣'] as const;

const normalise = (prompt: string) => prompt.trim().replace(/\s+/g, ' ').toLowerCase();

export class VoteRound {
  constructor(
    readonly data: RoundData,
    readonly maxSuggestions = 5,
  ) {
    if (maxSuggestions < 1 || maxSuggestions > NUMBER_EMOJIS.length) throw new RangeError(`a round takes 1 to ${NUMBER_EMOJIS.length} suggestions, not ${maxSuggestions}`);
  }

  static fresh(number: number, now: number, maxSuggestions = 5): VoteRound {
    return new VoteRound({ number, startedAt: now, suggestions: [], votes: {}, skips: [] }, maxSuggestions);
  }

  suggest(userId: string, prompt: string): SuggestResult {
    const key = normalise(prompt);
    const existing = this.data.suggestions.findIndex((s) => normalise(s.prompt) === key);
    if (existing >= 0) return { ok: false, reason: 'duplicate', index: existing };
    if (this.data.suggestions.length >= this.maxSuggestions) return { ok: false, reason: 'full' };
    this.data.suggestions.push({ prompt: prompt.trim().replace(/\s+/g, ' '), userId });
    return { ok: true, index: this.data.suggestions.length - 1 };
  }

  /** A reaction added: the user's vote is now this suggestion. False when there is no such suggestion. */
  vote(userId: string, index: number): boolean {
    if (!Number.isInteger(index) || index < 0 || index >= this.data.suggestions.length) return false;
    this.data.votes[userId] = index;
    return true;
  }

  /** A reaction removed: the vote goes only if it was still on that suggestion. */
  unvote(userId: string, index: number): void {
    if (this.data.votes[userId] === index) delete this.data.votes[userId];
  }

  /** Votes per suggestion, counting only the given listeners. */
  tally(listeners: ReadonlySet<string>): number[] {
    const counts = this.data.suggestions.map(() => 0);
    for (const [userId, index] of Object.entries(this.data.votes)) if (listeners.has(userId)) counts[index]++;
    return counts;
  }

  /** Everyone listening has voted (and there is something to vote for). */
  allVoted(listeners: ReadonlySet<string>): boolean {
    if (this.data.suggestions.length === 0 || listeners.size === 0) return false;
    return [...listeners].every((id) => id in this.data.votes);
  }

  /** The winning suggestion, or null when there were none. */
  winner(listeners: ReadonlySet<string>): { suggestion: Suggestion; index: number; votes: number } | null {
    const counts = this.tally(listeners);
    let best = -1;
    counts.forEach((c, i) => {
      if (best < 0 || c > counts[best]) best = i; // strict: ties keep the earlier suggestion
    });
    return best < 0 ? null : { suggestion: this.data.suggestions[best], index: best, votes: counts[best] };
  }

  /** Records a skip request; true once the share of listeners asking reaches the threshold. */
  requestSkip(userId: string, listeners: ReadonlySet<string>, threshold: number): { reached: boolean; count: number; needed: number } {
    if (!this.data.skips.includes(userId)) this.data.skips.push(userId);
    const count = this.data.skips.filter((id) => listeners.has(id)).length;
    const needed = Math.max(1, Math.ceil(threshold * listeners.size));
    return { reached: count >= needed, count, needed };
  }
}
