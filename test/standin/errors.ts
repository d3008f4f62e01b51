/** An error the stand-in answers with, in Discord's JSON error shape ({ code, message, errors? }). */
export class DiscordHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: Record<string, unknown>,
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return this.errors
      ? { code: this.code, message: this.message, errors: this.errors }
      : { code: this.code, message: this.message };
  }
}

export const unauthorized = () => new DiscordHttpError(401, 0, '401: Unauthorized');
export const unknownChannel = () => new DiscordHttpError(404, 10003, 'Unknown Channel');
export const unknownGuild = () => new DiscordHttpError(404, 10004, 'Unknown Guild');
export const unknownMember = () => new DiscordHttpError(404, 10007, 'Unknown Member');
export const unknownMessage = () => new DiscordHttpError(404, 10008, 'Unknown Message');
export const unknownUser = () => new DiscordHttpError(404, 10013, 'Unknown User');
export const unknownEmoji = () => new DiscordHttpError(400, 10014, 'Unknown Emoji');
export const unknownWebhook = () => new DiscordHttpError(404, 10015, 'Unknown Webhook');
export const unknownCommand = () => new DiscordHttpError(404, 10063, 'Unknown application command');
export const unknownInteraction = () => new DiscordHttpError(404, 10062, 'Unknown interaction');
export const alreadyAcknowledged = () =>
  new DiscordHttpError(400, 40060, 'Interaction has already been acknowledged.');
export const entityTooLarge = () => new DiscordHttpError(413, 40005, 'Request entity too large');
export const emptyMessage = () => new DiscordHttpError(400, 50006, 'Cannot send an empty message');
export const notFound = () => new DiscordHttpError(404, 0, '404: Not Found');
export const methodNotAllowed = () => new DiscordHttpError(405, 0, '405: Method Not Allowed');

/** 50035 Invalid Form Body; `path` is dotted (e.g. "content" or "data.content"). */
export function invalidFormBody(path: string, code: string, message: string): DiscordHttpError {
  const errors: Record<string, unknown> = {};
  let node = errors;
  const parts = path.split('.');
  parts.forEach((part, index) => {
    if (index === parts.length - 1) node[part] = { _errors: [{ code, message }] };
    else node = (node[part] = {}) as Record<string, unknown>;
  });
  return new DiscordHttpError(400, 50035, 'Invalid Form Body', errors);
}
