import type { IncomingMessage } from 'node:http';
import type { APIEmbed } from 'discord-api-types/v10';
import { DiscordHttpError, emptyMessage, entityTooLarge, invalidFormBody } from './errors.ts';

export interface UploadedFile {
  /** The n of the `files[n]` form field. */
  index: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

export interface ParsedBody {
  json: Record<string, unknown>;
  files: UploadedFile[];
}

/** The parts of a message create/edit body the stand-in understands. */
export interface MessageBody {
  content?: string;
  embeds?: APIEmbed[];
  components?: unknown[];
  flags?: number;
  tts?: boolean;
  /** Attachments to keep or describe; `id` is an existing attachment id or the n of an uploaded files[n]. */
  attachments?: { id: string | number; filename?: string; description?: string; title?: string }[];
  message_reference?: { message_id?: string; channel_id?: string; guild_id?: string };
  files: UploadedFile[];
}

export async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Parses a JSON or multipart/form-data (payload_json + files[n]) request body. */
export async function parseBody(req: IncomingMessage, raw: Buffer): Promise<ParsedBody> {
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return { json: {}, files: [] };
  if (type.startsWith('multipart/form-data')) {
    // Node's fetch Request implements the WHATWG multipart parser.
    const form = await new Request('http://standin.invalid/', {
      method: 'POST',
      headers: { 'content-type': type },
      body: raw,
    }).formData();
    let json: Record<string, unknown> = {};
    const files: UploadedFile[] = [];
    for (const [name, value] of form.entries()) {
      if (name === 'payload_json' && typeof value === 'string') {
        json = parseJson(value);
        continue;
      }
      const match = /^files\[(\w+)\]$/.exec(name) ?? /^file(\d*)$/.exec(name);
      if (match && typeof value !== 'string') {
        files.push({
          index: match[1] === '' ? '0' : match[1],
          filename: value.name,
          contentType: value.type || 'application/octet-stream',
          bytes: Buffer.from(await value.arrayBuffer()),
        });
      }
    }
    return { json, files };
  }
  return { json: parseJson(raw.toString('utf8')), files: [] };
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new DiscordHttpError(400, 50109, 'The request body contains invalid JSON.');
}

export interface MessageLimits {
  maxContentLength: number;
  attachmentSizeLimit: number;
}

/**
 * Validates a message body as Discord does: content at most 2000 characters, at most 10 embeds,
 * uploads within the attachment size limit, and (for new messages) not empty.
 */
export function toMessageBody(
  parsed: ParsedBody,
  limits: MessageLimits,
  mode: 'create' | 'edit',
  path = '',
): MessageBody {
  const { json, files } = parsed;
  const at = (field: string) => (path ? `${path}.${field}` : field);
  const body: MessageBody = { files };
  if (json.content !== undefined && json.content !== null) {
    if (typeof json.content !== 'string') throw invalidFormBody(at('content'), 'BASE_TYPE_STRING', 'Must be a string.');
    if ([...json.content].length > limits.maxContentLength)
      throw invalidFormBody(
        at('content'),
        'BASE_TYPE_MAX_LENGTH',
        `Must be ${limits.maxContentLength} or fewer in length.`,
      );
    body.content = json.content;
  }
  if (Array.isArray(json.embeds)) {
    if (json.embeds.length > 10) throw invalidFormBody(at('embeds'), 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
    body.embeds = json.embeds as APIEmbed[];
  }
  if (Array.isArray(json.components)) body.components = json.components;
  if (typeof json.flags === 'number') body.flags = json.flags;
  if (typeof json.tts === 'boolean') body.tts = json.tts;
  if (Array.isArray(json.attachments)) body.attachments = json.attachments as MessageBody['attachments'];
  if (json.message_reference && typeof json.message_reference === 'object')
    body.message_reference = json.message_reference as MessageBody['message_reference'];
  const total = files.reduce((sum, file) => sum + file.bytes.length, 0);
  if (total > limits.attachmentSizeLimit) throw entityTooLarge();
  if (
    mode === 'create' &&
    !body.content &&
    !body.embeds?.length &&
    !body.components?.length &&
    files.length === 0 &&
    json.sticker_ids === undefined &&
    json.poll === undefined
  )
    throw emptyMessage();
  return body;
}
