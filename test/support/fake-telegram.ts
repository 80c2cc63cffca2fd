import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UserFromGetMe } from 'grammy/types';

/** The test bot as getMe describes it: bots built with it skip the getMe call. */
export const TEST_BOT_INFO = {
  id: 123456,
  is_bot: true,
  first_name: 'Lendwise',
  username: 'lendwise_test_bot',
  can_join_groups: false,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
} as UserFromGetMe;

/**
 * A small fake Telegram Bot API on 127.0.0.1: records every method call the bot makes and answers
 * like Telegram does, and serves files for getFile downloads. Point grammY's client.apiRoot at `url`.
 */
export interface ApiCall {
  method: string;
  payload: Record<string, any>;
  raw: string;
  /** What the fake answered (a sent message carries its message_id). */
  result?: any;
}

export class FakeTelegram {
  readonly calls: ApiCall[] = [];
  readonly files = new Map<string, string>();
  /** Updates served to a long-polling bot through getUpdates. */
  readonly pending: { update_id: number }[] = [];
  private server: Server | undefined;
  private nextMessageId = 1000;
  url = '';
  /**
   * Makes Telegram refuse a call: return an error code and description (e.g. 400 "chat not found",
   * 502 while Telegram is struggling) for the calls it should refuse, undefined for the rest.
   */
  refuse: (method: string, payload: Record<string, any>) => { code: number; description: string } | undefined = () => undefined;

  /** Listens on `port` (any free one by default: a test that starts it late picks one first). */
  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const fileMatch = /^\/file\/bot[^/]+\/(.+)$/.exec(req.url ?? '');
        if (req.method === 'GET' && fileMatch) {
          const content = this.files.get(fileMatch[1]);
          res.writeHead(content === undefined ? 404 : 200, { 'content-type': 'text/csv' });
          res.end(content ?? 'not found');
          return;
        }
        const method = /^\/bot[^/]+\/(\w+)/.exec(req.url ?? '')?.[1] ?? 'unknown';
        let payload: Record<string, any> = {};
        if ((req.headers['content-type'] ?? '').includes('application/json') && raw) payload = JSON.parse(raw);
        const call: ApiCall = { method, payload, raw };
        this.calls.push(call);
        const refused = this.refuse(method, payload);
        if (refused) {
          res.writeHead(refused.code, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: false, error_code: refused.code, description: refused.description }));
          return;
        }
        const answer = () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          call.result = this.result(method, payload);
          res.end(JSON.stringify({ ok: true, result: call.result }));
        };
        // A long poll with nothing to deliver waits a little, as Telegram does (but briefly).
        if (method === 'getUpdates' && !this.pending.some((u) => u.update_id >= (payload.offset ?? 0))) setTimeout(answer, 200);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private result(method: string, payload: Record<string, any>): unknown {
    const message = () => ({
      message_id: this.nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { id: payload.chat_id ?? 0, type: 'private' },
      text: payload.text,
    });
    switch (method) {
      case 'sendMessage':
      case 'sendDocument':
      case 'sendPhoto':
      case 'editMessageText':
        return message();
      case 'getMe':
        return TEST_BOT_INFO;
      case 'getUpdates':
        return this.pending.filter((u) => u.update_id >= (payload.offset ?? 0));
      case 'getFile':
        return { file_id: payload.file_id, file_unique_id: `u-${payload.file_id}`, file_size: 100, file_path: `documents/${payload.file_id}.csv` };
      default:
        return true;
    }
  }

  /** Texts sent to a chat, oldest first. */
  textsTo(chatId: number): string[] {
    return this.calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === chatId).map((c) => c.payload.text as string);
  }

  lastTo(chatId: number): ApiCall | undefined {
    return this.calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === chatId).at(-1);
  }

  async stop(): Promise<void> {
    await new Promise((r) => {
      this.server?.close(r);
      // A long poll waiting for its answer must not hold the close open.
      this.server?.closeAllConnections();
    });
  }
}

// ---- real update JSON, as Telegram sends it ----

let updateId = 500_000;
/** The language each test user's Telegram app is set to (English unless `speaks` says otherwise). */
const languages = new Map<number, string>();
export const speaks = (userId: number, languageCode: string) => void languages.set(userId, languageCode);
const user = (id: number) => ({ id, is_bot: false, first_name: `User${id}`, language_code: languages.get(id) ?? 'en' });
const privateChat = (id: number) => ({ id, type: 'private', first_name: `User${id}` });

/** A message from `userId` in their private chat, with the given content (text, document, sticker…). */
function privateMessage(userId: number, content: Record<string, unknown>, key: 'message' | 'edited_message' = 'message') {
  const now = Math.floor(Date.now() / 1000);
  return {
    update_id: ++updateId,
    [key]: {
      message_id: updateId,
      date: now,
      ...(key === 'edited_message' ? { edit_date: now } : {}),
      from: user(userId),
      chat: privateChat(userId),
      ...content,
    },
  };
}

export function textUpdate(userId: number, text: string, chat: { id?: number; type?: string } = {}) {
  const command = /^\/\w+/.exec(text);
  return {
    update_id: ++updateId,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      from: user(userId),
      chat:
        chat.type && chat.type !== 'private'
          ? { id: chat.id ?? -100, type: chat.type, title: 'Group' }
          : { id: userId, type: 'private', first_name: `User${userId}` },
      text,
      ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
    },
  };
}

/** A button press, on the bot's message `messageId` (the one the keyboard was sent with). */
export function callbackUpdate(userId: number, data: string, messageId = 1) {
  return {
    update_id: ++updateId,
    callback_query: {
      id: String(updateId),
      from: user(userId),
      chat_instance: `ci-${userId}`,
      data,
      message: { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: privateChat(userId), text: '…' },
    },
  };
}

export function documentUpdate(userId: number, fileId: string, fileName = 'statement.csv') {
  return privateMessage(userId, { document: { file_id: fileId, file_unique_id: `u-${fileId}`, file_name: fileName, mime_type: 'text/csv', file_size: 300 } });
}

export function stickerUpdate(userId: number) {
  return privateMessage(userId, {
    sticker: { file_id: 'stk', file_unique_id: 'ustk', type: 'regular', width: 512, height: 512, is_animated: false, is_video: false },
  });
}

export function photoUpdate(userId: number) {
  return privateMessage(userId, { photo: [{ file_id: 'ph', file_unique_id: 'uph', width: 90, height: 90, file_size: 900 }] });
}

export function editedUpdate(userId: number, text: string) {
  return privateMessage(userId, { text }, 'edited_message');
}
