import { describeChampion } from '../../src/model/scorer.ts';
import { Composer, InlineKeyboard, InputFile } from 'grammy';
import { stringify } from 'csv-stringify/sync';
import { audit, currentPolicy, setPolicy } from '../../db/repository.ts';
import { decisionStats, decisionsForExport, nextReferral, reviewDecision } from '../../db/bot-repository.ts';
import { describeIssues } from '../../src/applicant/schema.ts';
import { PolicySchema, type Policy } from '../../src/scoring/policy.ts';
import type { BotDeps } from '../deps.ts';
import type { BotContext } from '../session.ts';

/** The lender's commands. Only allow-listed Telegram users get past the gate; every use is audited. */

const ADMIN_COMMAND_NAMES = ['stats', 'policy', 'review', 'model', 'export'] as const;
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

function policyText(version: number, p: Policy): string {
  return [
    `Policy version ${version}:`,
    `approveBelow=${p.approveBelow} (approve when PD is below)`,
    `declineAtOrAbove=${p.declineAtOrAbove} (decline at or above; refer in between)`,
    `lossGivenDefault=${p.lossGivenDefault}`,
    `fundingCost=${p.fundingCost} (yearly)`,
    `targetMargin=${p.targetMargin} (yearly)`,
    `maxApr=${p.maxApr}`,
    `rateCard: ${Object.entries(p.rateCard)
      .map(([band, apr]) => `${band} ${pct(apr)}`)
      .join(', ')} (APR by risk band; set one with rateCard.C=0.1)`,
    `storeRawTransactions=${p.storeRawTransactions} (keep bank transactions, not only their features)`,
    '',
    'Change with: /policy set approveBelow=0.1 declineAtOrAbove=0.3',
  ].join('\n');
}

async function showReferral(ctx: BotContext, deps: BotDeps): Promise<void> {
  const next = await nextReferral(deps.db());
  if (!next) {
    await ctx.reply('No referred applications are waiting for review.');
    return;
  }
  const a = next.applicant as Record<string, unknown>;
  const reasons = (next.reasons as { text: string }[]).map((r) => `• ${r.text}`).join('\n');
  await ctx.reply(
    [
      `Referred application ${next.applicationId} (${next.createdAt.toISOString().slice(0, 16).replace('T', ' ')})`,
      `PD ${pct(next.pd)}, score ${next.score}; $${a.loanAmount} over ${a.termMonths} months for ${String(a.purpose).replace(/_/g, ' ')}; income $${a.annualIncome}; FICO ${a.ficoScore}.`,
      reasons,
    ].join('\n'),
    { reply_markup: new InlineKeyboard().text('Approve', `review:${next.decisionId}:approve`).text('Decline', `review:${next.decisionId}:decline`) },
  );
}

export const actor = (ctx: BotContext) => `tg:${ctx.from?.id}`;

/** The gate for lender commands: non-admins get "not allowed" and nothing else; every use is audited. */
export function adminGate(composer: Composer<BotContext>, commands: readonly string[], deps: BotDeps, isAdmin: (ctx: BotContext) => Promise<boolean>) {
  composer.command([...commands], async (ctx, next) => {
    if (!(await isAdmin(ctx))) {
      await ctx.reply("Sorry, that command is not allowed for you: it is for the lender's staff.");
      return;
    }
    await audit(deps.db(), {
      actor: actor(ctx),
      action: `bot.${ctx.message?.text.split(/\s/)[0].slice(1).split('@')[0]}`,
      detail: { text: ctx.message?.text ?? '' },
    });
    await next();
  });
}

export function adminFeature(deps: BotDeps, isAdmin: (ctx: BotContext) => Promise<boolean>) {
  const composer = new Composer<BotContext>();
  adminGate(composer, ADMIN_COMMAND_NAMES, deps, isAdmin);
  composer.callbackQuery(/^review:/, async (ctx, next) => {
    if (!(await isAdmin(ctx))) {
      await ctx.answerCallbackQuery({ text: 'Not allowed.' });
      return;
    }
    await next();
  });

  composer.command('stats', async (ctx) => {
    const startOfDay = new Date();
    startOfDay.setUTCHours(0, 0, 0, 0);
    const [today, total] = await Promise.all([decisionStats(deps.db(), startOfDay), decisionStats(deps.db())]);
    const line = (label: string, s: typeof today) =>
      `${label}: ${s.applications} applications, ${s.approved} approved (${pct(s.approvalRate)}), average PD ${pct(s.averagePd)}`;
    await ctx.reply([line('Today (UTC)', today), line('In total', total)].join('\n'));
  });

  composer.command('policy', async (ctx) => {
    const args = ctx.match.trim();
    const current = await currentPolicy(deps.db());
    if (args === '') {
      await ctx.reply(policyText(current.version, current.policy));
      return;
    }
    const m = /^set\s+(.+)$/i.exec(args);
    if (!m) {
      await ctx.reply('Use /policy to see the policy, or /policy set name=value … to change it.');
      return;
    }
    const changes: Record<string, unknown> = {};
    const rateCard: Record<string, number> = { ...current.policy.rateCard };
    for (const pair of m[1].trim().split(/\s+/)) {
      const band = /^rateCard\.([A-E])=(\d+(?:\.\d+)?)$/.exec(pair);
      if (band) {
        rateCard[band[1]] = Number(band[2]);
        continue;
      }
      const kv = /^(\w+)=(-?\d+(?:\.\d+)?|true|false)$/.exec(pair);
      if (!kv || !(kv[1] in current.policy) || kv[1] === 'rateCard') {
        await ctx.reply(
          `"${pair}" is not name=value for a known setting (${Object.keys(current.policy)
            .filter((k) => k !== 'rateCard')
            .join(', ')}, or rateCard.A … rateCard.E).`,
        );
        return;
      }
      changes[kv[1]] = kv[2] === 'true' ? true : kv[2] === 'false' ? false : Number(kv[2]);
    }
    const parsed = PolicySchema.safeParse({ ...current.policy, ...changes, rateCard });
    if (!parsed.success) {
      await ctx.reply(
        `Not changed: ${describeIssues(parsed.error)
          .map((i) => `${i.field}: ${i.rule}`)
          .join('; ')}`,
      );
      return;
    }
    const next = await setPolicy(deps.db(), parsed.data, actor(ctx));
    deps.decisions.policy.invalidate();
    await ctx.reply(`Saved. ${policyText(next.version, next.policy)}`);
  });

  composer.command('review', (ctx) => showReferral(ctx, deps));

  composer.callbackQuery(/^review:(\d+):(approve|decline)$/, async (ctx) => {
    const done = await reviewDecision(deps.db(), Number(ctx.match[1]), actor(ctx), ctx.match[2] as 'approve' | 'decline');
    await ctx.answerCallbackQuery({ text: done ? `Recorded: ${ctx.match[2]}` : 'Already reviewed.' });
    if (done) await ctx.reply(`Recorded: ${ctx.match[2]}d by you.`);
    await showReferral(ctx, deps);
  });

  composer.command('model', async (ctx) => {
    const m = deps.model.metrics as typeof deps.model.metrics & { data?: { file?: string } };
    await ctx.reply(
      [
        `Model ${deps.model.version}: ${describeChampion(deps.model.scorer, deps.model.trees)}.`,
        `Out-of-time test: ROC-AUC ${m.test.champion.rocAuc.toFixed(3)}, Brier ${m.test.champion.brier.toFixed(4)}; logistic baseline ROC-AUC ${m.test.baseline.rocAuc.toFixed(3)}, Brier ${m.test.baseline.brier.toFixed(4)}.`,
        `Trained on ${m.data?.file ?? 'unknown data'}.`,
      ].join('\n'),
    );
  });

  composer.command('export', async (ctx) => {
    const rows = await decisionsForExport(deps.db());
    const csv = stringify(
      rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })),
      { header: true },
    );
    await ctx.replyWithDocument(new InputFile(Buffer.from(csv), `lendwise-decisions-${new Date().toISOString().slice(0, 10)}.csv`), {
      caption: `${rows.length} decision${rows.length === 1 ? '' : 's'}`,
    });
  });

  return composer;
}
