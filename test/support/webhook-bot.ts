import { createBot } from '../../bot/bot.ts';
import type { Db } from '../../db/client.ts';
import { databaseStore } from '../../db/decision-store.ts';
import { createApp } from '../../src/api/app.ts';
import { decisionService } from '../../src/app/decide.ts';
import type { LoadedModel } from '../../src/model/model.ts';
import { TEST_BOT_INFO } from './fake-telegram.ts';

/** The app with the bot behind POST /telegram/webhook (secret `secret`), its Bot API calls going to a FakeTelegram at `apiRoot`. */
export function webhookApp(db: () => Db, model: LoadedModel, apiRoot: string, secret: string) {
  const bot = createBot(
    { db, model, decisions: decisionService({ model, store: databaseStore(db), policyTtlMs: 0 }), admins: [] },
    { token: '123456:TEST-TOKEN', botInfo: TEST_BOT_INFO, apiRoot },
  );
  return createApp({ model, db, telegram: { bot, secretToken: secret } });
}
