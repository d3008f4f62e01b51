/**
 * A radio's vote rounds: the round's timer, suggestions, number reactions and skip votes, its vote
 * message, and its end, when the winner (or the blend of the votes) becomes the plan's next target.
 */
import type { Message, SendableChannels } from 'discord.js';
import type { Logger } from '../jobs/logging.ts';
import { blendParts, blendPrompt } from './blend.ts';
import { blendResultMessage, roundResultMessage, voteMessage } from './messages.ts';
import { retarget } from './plan.ts';
import type { RadioRecord } from './store.ts';
import { NUMBER_EMOJIS, VoteRound, type SuggestResult } from './votes.ts';

export interface RoundEnd {
  number: number;
  /** The prompt the radio moves to; null when nobody suggested anything. */
  winner: string | null;
}

export interface SkipVerdict {
  reached: boolean;
  count: number;
  needed: number;
}

export interface VoteRoundsDeps {
  /** Holds the round, the vote message's id and the vote mode; a round's end retargets its plan. */
  record: RadioRecord;
  listeners(): Set<string>;
  textChannel(): Promise<SendableChannels | null>;
  save(): Promise<void>;
  isEnding(): boolean;
  botUserId(): string | undefined;
  /** Called once the new round is saved, before the result is posted. */
  onRoundEnd(end: RoundEnd): void;
  log: Logger;
}

export class VoteRounds {
  private round: VoteRound;
  private roundTimer: NodeJS.Timeout | null = null;
  private voteTimer: NodeJS.Timeout | null = null;
  private voteUpdates: Promise<void> = Promise.resolve();

  constructor(private readonly deps: VoteRoundsDeps) {
    this.round = new VoteRound(deps.record.round, deps.record.settings.maxSuggestions);
  }

  get endsAt(): number {
    return this.deps.record.round.startedAt + this.deps.record.settings.roundSeconds * 1000;
  }

  /** Starts the timer that ends the current round. */
  arm(): void {
    if (this.roundTimer) clearTimeout(this.roundTimer);
    this.roundTimer = setTimeout(() => void this.end(), Math.max(0, this.endsAt - Date.now()));
  }

  /** The round's number and suggestions with the votes of those listening now. */
  standing(listeners: Set<string>): { round: number; roundEndsAt: number; suggestions: { prompt: string; votes: number }[] } {
    const counts = this.round.tally(listeners);
    return {
      round: this.round.data.number,
      roundEndsAt: this.endsAt,
      suggestions: this.round.data.suggestions.map((s, i) => ({ prompt: s.prompt, votes: counts[i] })),
    };
  }

  allVoted(listeners: Set<string>): boolean {
    return this.round.allVoted(listeners);
  }

  async suggest(userId: string, prompt: string): Promise<SuggestResult> {
    const result = this.round.suggest(userId, prompt);
    if (result.ok) {
      await this.deps.save();
      await this.updateVoteMessage(true);
    }
    return result;
  }

  /** A reaction on any message in the guild: counts when it is a number on this round's vote message. */
  async onReaction(messageId: string, emoji: string | null, userId: string, added: boolean): Promise<void> {
    if (this.deps.isEnding() || messageId !== this.deps.record.voteMessageId || userId === this.deps.botUserId()) return;
    const index = NUMBER_EMOJIS.indexOf(emoji as (typeof NUMBER_EMOJIS)[number]);
    if (index < 0) return;
    if (added) this.round.vote(userId, index);
    else this.round.unvote(userId, index);
    await this.deps.save();
    if (this.round.allVoted(this.deps.listeners())) await this.end();
    else this.scheduleVoteUpdate();
  }

  skip(userId: string): SkipVerdict {
    const verdict = this.round.requestSkip(userId, this.deps.listeners(), this.deps.record.settings.skipThreshold);
    if (verdict.reached) void this.end();
    else void this.deps.save();
    return verdict;
  }

  /** Ends the round now: picks the winner, starts the next round, posts the result. */
  async end(): Promise<void> {
    if (this.deps.isEnding()) return;
    const { record } = this.deps;
    const listeners = this.deps.listeners();
    const winner = this.round.winner(listeners);
    const finished = this.round;
    const voteMessageId = record.voteMessageId;
    const blend = record.voteMode === 'blend' ? blendParts(finished.data.suggestions, finished.tally(listeners)) : [];
    const result = blend.length >= 2 ? blendPrompt(blend) : winner?.suggestion.prompt;
    if (result) record.plan = retarget(record.plan, result);
    this.round = VoteRound.fresh(finished.data.number + 1, Date.now(), record.settings.maxSuggestions);
    record.round = this.round.data;
    record.voteMessageId = undefined;
    this.arm();
    await this.deps.save();
    this.deps.onRoundEnd({ number: finished.data.number, winner: result ?? null });
    // A round nobody suggested anything in ends silently: no message every round on a quiet radio.
    if (finished.data.suggestions.length === 0) return;
    const channel = await this.deps.textChannel();
    if (!channel) return;
    try {
      if (voteMessageId) {
        const counts = finished.tally(listeners);
        const msg = await channel.messages.fetch(voteMessageId);
        await msg.edit(voteMessage(finished.data.number, finished.data.suggestions, counts, Date.now(), true));
      }
      await channel.send(blend.length >= 2 ? blendResultMessage(finished.data.number, blend) : roundResultMessage(finished.data.number, winner));
    } catch (err) {
      this.deps.log.warn({ err, guildId: record.guildId }, 'could not post the radio round result');
    }
  }

  /** The radio is ending: no more round ends or vote-message updates. */
  stop(): void {
    for (const t of [this.roundTimer, this.voteTimer]) if (t) clearTimeout(t);
    this.roundTimer = this.voteTimer = null;
  }

  private scheduleVoteUpdate(): void {
    if (this.voteTimer) return;
    this.voteTimer = setTimeout(() => {
      this.voteTimer = null;
      void this.updateVoteMessage(false);
    }, 1000);
  }

  /**
   * One update at a time: two suggestions at the same moment must not both see "no vote message
   * yet" and post two, leaving the first one's reactions on a message nobody counts.
   */
  private updateVoteMessage(addReactions: boolean): Promise<void> {
    const next = this.voteUpdates.then(() => this.writeVoteMessage(addReactions));
    this.voteUpdates = next;
    return next;
  }

  private async writeVoteMessage(addReactions: boolean): Promise<void> {
    const channel = await this.deps.textChannel();
    if (!channel || this.deps.isEnding()) return;
    const { record } = this.deps;
    const { suggestions } = this.round.data;
    const text = voteMessage(this.round.data.number, suggestions, this.round.tally(this.deps.listeners()), this.endsAt);
    try {
      let msg: Message;
      if (record.voteMessageId) {
        msg = await channel.messages.fetch(record.voteMessageId);
        await msg.edit(text);
      } else {
        msg = await channel.send(text);
        record.voteMessageId = msg.id;
        await this.deps.save();
      }
      if (addReactions) {
        for (let i = 0; i < suggestions.length; i++) {
          if (!msg.reactions.cache.get(NUMBER_EMOJIS[i])?.me) await msg.react(NUMBER_EMOJIS[i]);
        }
      }
    } catch (err) {
      this.deps.log.warn({ err, guildId: record.guildId }, 'could not update the radio vote message');
    }
  }
}
