import { TextDecoder } from 'node:util';
import { AppError } from '@switchboard/runtime/app-error';
import type { FastifyRequest } from 'fastify';

/** 000 appended the first 1,000 characters of an uploaded file to the message (dispatch A6). */
const excerptLength = 1_000;
/** Enough for any text file a chat turn quotes from; larger uploads are refused, not truncated silently. */
const maxFileBytes = 1024 * 1024;
const textFields = new Set(['message', 'session_id', 'client_message_id']);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function textOf(name: string, bytes: Buffer): string {
  if (bytes.includes(0)) {
    throw new AppError(
      'SB_UNSUPPORTED_MEDIA_TYPE',
      `${name} is not a text file; chat takes text files only.`,
    );
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new AppError('SB_UNSUPPORTED_MEDIA_TYPE', `${name} is not UTF-8 text; chat takes text files only.`);
  }
}

/**
 * 000's multipart chat turn (`message`, `session_id`, `file`) as the JSON
 * body the chat routes validate: the file's opening is appended to the
 * message, as the original did. Runs before validation, so the result is
 * checked like any JSON turn.
 */
export async function multipartTurnBody(request: FastifyRequest): Promise<void> {
  if (!request.isMultipart()) return;
  try {
    request.body = await readTurnForm(request);
  } catch (error) {
    // Our refusals and the plugin's limits (413) carry their status; the parser's own failures do not.
    if (error instanceof AppError || (error as { statusCode?: number }).statusCode !== undefined) throw error;
    throw new AppError(
      'SB_VALIDATION',
      'The multipart body could not be read; check its boundary and parts.',
    );
  }
}

async function readTurnForm(request: FastifyRequest): Promise<Record<string, string>> {
  const body: Record<string, string> = {};
  let upload: { name: string; text: string } | undefined;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== 'file' || upload) {
        part.file.resume();
        throw new AppError('SB_VALIDATION', 'Send at most one file, in the field "file".');
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of part.file as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxFileBytes) {
          throw new AppError(
            'SB_PAYLOAD_TOO_LARGE',
            `A chat attachment may be at most ${maxFileBytes / 1024} KB.`,
          );
        }
        chunks.push(chunk);
      }
      upload = {
        name: part.filename || 'upload.txt',
        text: textOf(part.filename || 'the file', Buffer.concat(chunks)),
      };
    } else if (textFields.has(part.fieldname) && typeof part.value === 'string') {
      body[part.fieldname] = part.value;
    }
  }
  if (upload) {
    const excerpt =
      upload.text.length > excerptLength ? `${upload.text.slice(0, excerptLength)}...` : upload.text;
    body.message = `${body.message ?? ''}\n\n[Attached file: ${upload.name}]\n${excerpt}`.trimStart();
  }
  return body;
}
