import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { InputFile, type Transformer } from 'grammy';

/**
 * What `npm run chat` shows of the bot's Bot API calls: a grammY transformer that answers each call
 * as Telegram would and prints it instead. Messages as `bot> …` lines; buttons lettered, to be pressed
 * by number; an edited message once more, only when its text changed; a keyboard edited away is no
 * longer pressable; photos and documents saved to files (their paths printed); the brief notice of a
 * button press in brackets; "typing…" and other calls with nothing to show, not at all.
 */

type Button = { text: string; callback_data?: string; url?: string };
type Payload = Record<string, unknown> & {
  reply_markup?: { inline_keyboard?: Button[][] };
  text?: string;
  caption?: string;
  message_id?: number;
};

export interface TerminalOutputOptions {
  write: (text: string) => void;
  /** The chat the terminal plays. */
  chatId: number;
  /** Where photos and documents go; a new temporary directory (made on the first file) by default. */
  filesDir?: string;
}

export interface TerminalOutput {
  transformer: Transformer;
  /** The button a typed line presses (its number), if it is one. */
  press(line: string): string | undefined;
  /** The message the pressable buttons are on. */
  buttonsMessageId(): number;
  /** The text a message shows now. */
  textOf(messageId: number): string;
  /** A message id for something the person sends. */
  nextMessageId(): number;
}

/**
 * @example
 * const terminal = terminalOutput({ write: (t) => process.stdout.write(t), chatId: 1 });
 * bot.api.config.use(terminal.transformer);
 */
/** Buttons are pressed by letter: a number typed is an answer ("3" years), never a button. */
const buttonKey = (index: number) => String.fromCharCode(97 + index);

export function terminalOutput(options: TerminalOutputOptions): TerminalOutput {
  const { write, chatId } = options;
  let buttons: string[] = [];
  let buttonsMessageId = 0;
  let messageId = 1;
  // The text last shown for each message, so an edit that changes nothing is not printed again.
  const shown = new Map<number, string>();
  let filesDir = options.filesDir;
  let fileCount = 0;

  const say = (text: string) => write(`\nbot> ${text.replace(/\n/g, '\nbot> ')}\n`);

  const showButtons = (markup: Payload['reply_markup'], onMessage: number) => {
    const flat = (markup?.inline_keyboard ?? []).flat().filter((b) => b.callback_data !== undefined);
    buttons = flat.map((b) => b.callback_data!);
    buttonsMessageId = onMessage;
    if (flat.length) write(`${flat.map((b, i) => `  [${buttonKey(i)}] ${b.text}`).join('\n')}\n`);
  };

  /** Saves an InputFile the bot sends in this session's directory; answers its path. */
  const save = async (file: unknown, fallbackName: string): Promise<string | undefined> => {
    if (!(file instanceof InputFile)) return undefined;
    const raw = await file.toRaw();
    const chunks: Uint8Array[] = [];
    if (raw instanceof Uint8Array) chunks.push(raw);
    else if (Symbol.asyncIterator in raw) for await (const chunk of raw as AsyncIterable<Uint8Array>) chunks.push(chunk);
    else for (const chunk of raw as Iterable<Uint8Array>) chunks.push(chunk);
    filesDir ??= mkdtempSync(join(tmpdir(), 'lendwise-chat-'));
    // Numbered, so two charts of the same name do not overwrite each other.
    const path = join(filesDir, `${String(++fileCount).padStart(2, '0')}-${basename(file.filename ?? fallbackName)}`);
    writeFileSync(path, Buffer.concat(chunks));
    return path;
  };

  const message = (id: number, text?: string) =>
    ({ ok: true, result: { message_id: id, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private' }, text } }) as never;

  const transformer: Transformer = async (_prev, method, payload) => {
    const p = payload as Payload;
    switch (method) {
      case 'sendMessage': {
        const id = messageId++;
        const text = String(p.text ?? '');
        say(text);
        shown.set(id, text);
        showButtons(p.reply_markup, id);
        return message(id, text);
      }
      case 'sendPhoto':
      case 'sendDocument': {
        const id = messageId++;
        const photo = method === 'sendPhoto';
        const path = await save(photo ? p.photo : p.document, photo ? 'photo.png' : 'document');
        say(`[${photo ? 'photo' : 'file'}${path ? ` saved to ${path}` : ''}]${p.caption ? ` ${p.caption}` : ''}`);
        if (p.reply_markup) showButtons(p.reply_markup, id);
        return message(id, p.caption);
      }
      case 'editMessageText': {
        const id = Number(p.message_id);
        const text = String(p.text ?? '');
        if (shown.get(id) !== text) say(`(edited) ${text}`);
        shown.set(id, text);
        if (p.reply_markup) showButtons(p.reply_markup, id);
        else if (id === buttonsMessageId) buttons = [];
        return message(id, text);
      }
      case 'editMessageReplyMarkup': {
        const id = Number(p.message_id);
        if (p.reply_markup?.inline_keyboard?.length) showButtons(p.reply_markup, id);
        else if (id === buttonsMessageId) buttons = [];
        return message(id, shown.get(id));
      }
      case 'answerCallbackQuery':
        // Telegram shows this briefly over the chat.
        if (typeof p.text === 'string' && p.text) write(`bot> (${p.text})\n`);
        return { ok: true, result: true } as never;
      case 'getFile':
        return { ok: true, result: { file_id: p.file_id, file_unique_id: p.file_id, file_path: p.file_id } } as never;
      default:
        // sendChatAction ("typing…"), deleteMessage, setMyCommands: nothing to show in a terminal.
        return { ok: true, result: true } as never;
    }
  };

  return {
    transformer,
    press: (line) => (/^[a-z]$/i.test(line) && buttons.length ? buttons[line.toLowerCase().charCodeAt(0) - 97] : undefined),
    buttonsMessageId: () => buttonsMessageId,
    textOf: (id) => shown.get(id) ?? '',
    nextMessageId: () => messageId++,
  };
}
