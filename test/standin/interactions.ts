import { InteractionResponseType, InteractionType, MessageFlags, MessageType } from 'discord-api-types/v10';
import type { APIMessage } from 'discord-api-types/v10';
import { toMessageBody } from './body.ts';
import type { MessageBody, MessageLimits } from './body.ts';
import {
  DiscordHttpError,
  alreadyAcknowledged,
  invalidFormBody,
  unknownInteraction,
  unknownMessage,
  unknownWebhook,
} from './errors.ts';
import type { RestServer } from './rest.ts';
import type { InteractionRecord, StandinState, StoredMessage } from './state.ts';

const WEBHOOK_TOKEN_LIFETIME_MS = 15 * 60_000;

/** Which callback types each interaction type accepts. */
const ALLOWED_CALLBACKS: Record<number, InteractionResponseType[]> = {
  [InteractionType.ApplicationCommand]: [
    InteractionResponseType.ChannelMessageWithSource,
    InteractionResponseType.DeferredChannelMessageWithSource,
    InteractionResponseType.Modal,
  ],
  [InteractionType.MessageComponent]: [
    InteractionResponseType.ChannelMessageWithSource,
    InteractionResponseType.DeferredChannelMessageWithSource,
    InteractionResponseType.DeferredMessageUpdate,
    InteractionResponseType.UpdateMessage,
    InteractionResponseType.Modal,
  ],
  [InteractionType.ApplicationCommandAutocomplete]: [InteractionResponseType.ApplicationCommandAutocompleteResult],
  [InteractionType.ModalSubmit]: [
    InteractionResponseType.ChannelMessageWithSource,
    InteractionResponseType.DeferredChannelMessageWithSource,
    InteractionResponseType.DeferredMessageUpdate,
    InteractionResponseType.UpdateMessage,
  ],
};

export function registerInteractionRoutes(rest: RestServer, state: StandinState, limits: MessageLimits): void {
  const view = (stored: StoredMessage): APIMessage => state.messageView(stored, state.botUser.id);
  const messageType = (record: InteractionRecord) =>
    record.type === InteractionType.ApplicationCommand ? MessageType.ChatInputCommand : MessageType.Reply;

  const byToken = (applicationId: string, token: string): InteractionRecord => {
    if (applicationId !== state.applicationId) throw unknownWebhook();
    const record = [...state.interactions.values()].find((candidate) => candidate.token === token);
    // Before the initial response, an interaction's webhook does not exist yet.
    if (!record || !record.acknowledgement) throw unknownWebhook();
    if (Date.now() - record.dispatchedAt > WEBHOOK_TOKEN_LIFETIME_MS) throw new DiscordHttpError(401, 50027, 'Invalid Webhook Token');
    return record;
  };
  const original = (record: InteractionRecord): StoredMessage => {
    const stored = record.originalMessageId ? state.messages.get(record.originalMessageId) : undefined;
    if (!stored || stored.deleted) throw unknownMessage();
    return stored;
  };
  const owned = (record: InteractionRecord, messageId: string): StoredMessage => {
    if (messageId === record.originalMessageId) return original(record);
    const stored = state.messages.get(messageId);
    if (!stored || stored.deleted || !record.followUpIds.includes(messageId)) throw unknownMessage();
    return stored;
  };
  const roleOf = (record: InteractionRecord, stored: StoredMessage) =>
    stored.message.id === record.originalMessageId ? 'original' : 'followup';

  rest.route('POST', '/interactions/:interaction_id/:interaction_token/callback', 'token', async (ctx) => {
    const record = state.interactions.get(ctx.params.interaction_id);
    if (!record || record.token !== ctx.params.interaction_token) throw unknownInteraction();
    const now = Date.now();
    const parsed = await ctx.body();
    const type = parsed.json.type as number;
    if (record.acknowledgement) {
      record.duplicateCallbacks.push({ at: now, type });
      state.changed('interaction');
      throw alreadyAcknowledged();
    }
    if (now > record.deadline) {
      record.lateCallbacks.push({ at: now, type, lateByMs: now - record.deadline });
      state.changed('interaction');
      throw unknownInteraction();
    }
    if (!ALLOWED_CALLBACKS[record.type]?.includes(type))
      throw invalidFormBody('type', 'INTERACTION_RESPONSE_TYPE_INVALID', `Callback type ${type} is not valid for interaction type ${record.type}.`);
    const data = (parsed.json.data ?? {}) as Record<string, unknown>;
    const sub = { json: data, files: parsed.files };
    const ephemeralTo = record.userId;
    let message: StoredMessage | undefined;
    switch (type) {
      case InteractionResponseType.ChannelMessageWithSource: {
        const body = toMessageBody(sub, limits, 'create', 'data');
        message = state.createMessage(record.channelId, state.botUser, body, {
          type: messageType(record),
          visibleTo: ephemeralTo,
          webhookId: state.applicationId,
          interaction: record,
          role: 'original',
        });
        record.originalMessageId = message.message.id;
        break;
      }
      case InteractionResponseType.DeferredChannelMessageWithSource: {
        const flags = (typeof data.flags === 'number' ? data.flags : 0) & MessageFlags.Ephemeral;
        const body: MessageBody = { content: '', files: [], flags };
        message = state.createMessage(record.channelId, state.botUser, body, {
          type: messageType(record),
          visibleTo: ephemeralTo,
          extraFlags: MessageFlags.Loading,
          webhookId: state.applicationId,
          interaction: record,
          role: 'original',
        });
        record.originalMessageId = message.message.id;
        break;
      }
      case InteractionResponseType.DeferredMessageUpdate:
      case InteractionResponseType.UpdateMessage: {
        if (!record.sourceMessageId) throw invalidFormBody('type', 'INTERACTION_RESPONSE_TYPE_INVALID', 'Only a component on a message can update it.');
        message = state.messages.get(record.sourceMessageId)!;
        record.originalMessageId = message.message.id;
        if (type === InteractionResponseType.UpdateMessage)
          state.editMessage(message, toMessageBody(sub, limits, 'edit', 'data'), 'original', record.id);
        break;
      }
      case InteractionResponseType.ApplicationCommandAutocompleteResult: {
        const choices = Array.isArray(data.choices) ? data.choices : [];
        if (choices.length > 25) throw invalidFormBody('data.choices', 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
        record.autocompleteChoices = choices;
        state.recordInteractionEvent({ at: now, kind: 'autocomplete', channelId: record.channelId, role: 'original', visibleTo: record.userId, interactionId: record.id, choices });
        break;
      }
      case InteractionResponseType.Modal: {
        if (typeof data.custom_id !== 'string' || typeof data.title !== 'string' || !Array.isArray(data.components))
          throw invalidFormBody('data', 'MODAL_INVALID', 'A modal needs custom_id, title and components.');
        record.modal = data;
        state.recordInteractionEvent({ at: now, kind: 'modal', channelId: record.channelId, role: 'original', visibleTo: record.userId, interactionId: record.id, modal: data });
        break;
      }
    }
    record.acknowledgement = { at: now, type, latencyMs: now - record.dispatchedAt };
    state.changed('interaction');
    if (ctx.url.searchParams.get('with_response') !== 'true') return { status: 204 };
    const flags = message?.message.flags ?? 0;
    return {
      status: 200,
      json: {
        interaction: {
          id: record.id,
          type: record.type,
          ...(message
            ? {
                response_message_id: message.message.id,
                response_message_loading: (flags & MessageFlags.Loading) !== 0,
                response_message_ephemeral: (flags & MessageFlags.Ephemeral) !== 0,
              }
            : {}),
        },
        resource: { type, ...(message ? { message: view(message) } : {}) },
      },
    };
  });

  const base = '/webhooks/:webhook_id/:interaction_token';
  rest
    .route('GET', `${base}/messages/@original`, 'token', ({ params }) =>
      ({ status: 200, json: view(original(byToken(params.webhook_id, params.interaction_token))) }),
    )
    .route('PATCH', `${base}/messages/@original`, 'token', async (ctx) => {
      const record = byToken(ctx.params.webhook_id, ctx.params.interaction_token);
      const body = toMessageBody(await ctx.body(), limits, 'edit');
      return { status: 200, json: view(state.editMessage(original(record), body, 'original', record.id)) };
    })
    .route('DELETE', `${base}/messages/@original`, 'token', ({ params }) => {
      const record = byToken(params.webhook_id, params.interaction_token);
      state.deleteMessage(original(record), 'original', record.id);
      return { status: 204 };
    })
    .route('GET', `${base}/messages/:message_id`, 'token', ({ params }) => {
      const record = byToken(params.webhook_id, params.interaction_token);
      return { status: 200, json: view(owned(record, params.message_id)) };
    })
    .route('PATCH', `${base}/messages/:message_id`, 'token', async (ctx) => {
      const record = byToken(ctx.params.webhook_id, ctx.params.interaction_token);
      const stored = owned(record, ctx.params.message_id);
      const body = toMessageBody(await ctx.body(), limits, 'edit');
      return { status: 200, json: view(state.editMessage(stored, body, roleOf(record, stored), record.id)) };
    })
    .route('DELETE', `${base}/messages/:message_id`, 'token', ({ params }) => {
      const record = byToken(params.webhook_id, params.interaction_token);
      const stored = owned(record, params.message_id);
      state.deleteMessage(stored, roleOf(record, stored), record.id);
      return { status: 204 };
    })
    .route('POST', base, 'token', async (ctx) => {
      const record = byToken(ctx.params.webhook_id, ctx.params.interaction_token);
      const body = toMessageBody(await ctx.body(), limits, 'create');
      const deferred = record.originalMessageId ? state.messages.get(record.originalMessageId) : undefined;
      // Discord turns the first follow-up after a deferred reply into the edit of the "thinking" message.
      if (deferred && !deferred.deleted && ((deferred.message.flags ?? 0) & MessageFlags.Loading) !== 0) {
        return { status: 200, json: view(state.editMessage(deferred, body, 'original', record.id)) };
      }
      const stored = state.createMessage(record.channelId, state.botUser, body, {
        type: messageType(record),
        visibleTo: record.userId,
        webhookId: state.applicationId,
        interaction: record,
        role: 'followup',
      });
      record.followUpIds.push(stored.message.id);
      state.changed('interaction');
      return { status: 200, json: view(stored) };
    });
}
