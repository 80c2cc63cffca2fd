import { Api, GrammyError } from 'grammy';
import { ADMIN_COMMANDS, APPLICANT_COMMANDS } from './features/account.ts';

/**
 * The command menus Telegram shows: applicants' commands for everyone (the default scope), and
 * applicants' plus lenders' in each admin's own chat (scope `chat`: a private chat's id is the user's).
 */

/** grammY's AbortSignal type (on Node, the abort-controller package's), which the global one is at run time. */
export type ApiSignal = Parameters<Api['getMe']>[0];

/** Telegram's answer for a chat it does not know: an admin who never wrote to the bot has no chat to scope. */
const chatUnknown = (error: unknown) => error instanceof GrammyError && error.error_code === 400;

/**
 * Sets the default menu and each admin's; resets the menus of former admins. An admin whose chat
 * Telegram does not know yet is skipped (counted): their menu is set at the next start-up.
 * Other failures (Telegram unreachable) reject.
 *
 * @example await publishCommands(bot.api, { admins: [9001], former: [9002] });
 */
export async function publishCommands(
  api: Api,
  users: { admins: readonly number[]; former?: readonly number[] },
  signal?: ApiSignal,
): Promise<{ skipped: number }> {
  await api.setMyCommands([...APPLICANT_COMMANDS], {}, signal);
  let skipped = 0;
  for (const id of new Set(users.admins)) skipped += (await refreshAdminCommands(api, id, true, signal)) ? 0 : 1;
  for (const id of new Set(users.former ?? [])) if (!users.admins.includes(id)) await refreshAdminCommands(api, id, false, signal);
  return { skipped };
}

/**
 * One user's menu after they became an admin (applicant + lender commands) or stopped being one
 * (their own menu removed: the default shows again). False when Telegram does not know their chat.
 *
 * @example await refreshAdminCommands(new Api(token), 9001, true);
 */
export async function refreshAdminCommands(api: Api, userId: number, isAdmin: boolean, signal?: ApiSignal): Promise<boolean> {
  const scope = { type: 'chat' as const, chat_id: userId };
  try {
    if (isAdmin) await api.setMyCommands([...APPLICANT_COMMANDS, ...ADMIN_COMMANDS], { scope }, signal);
    else await api.deleteMyCommands({ scope }, signal);
    return true;
  } catch (error) {
    if (chatUnknown(error)) return false;
    throw error;
  }
}

/**
 * For `npm run keys -- admin add|remove`, which runs beside the bot: updates that user's menu now.
 * Never throws: Telegram unreachable, or not knowing their chat yet, leaves it to the bot's next start.
 *
 * @example await refreshAdminMenu({ token, userId: 9001, isAdmin: true }) // 'updated'
 */
export async function refreshAdminMenu(options: {
  token: string;
  apiRoot?: string;
  userId: number;
  isAdmin: boolean;
}): Promise<'updated' | 'unknown chat' | 'unreachable'> {
  const api = new Api(options.token, { timeoutSeconds: 10, ...(options.apiRoot ? { apiRoot: options.apiRoot } : {}) });
  try {
    return (await refreshAdminCommands(api, options.userId, options.isAdmin)) ? 'updated' : 'unknown chat';
  } catch {
    return 'unreachable';
  }
}
