import { describeChampion } from '../../src/model/scorer.ts';
import { Composer, InlineKeyboard, InputFile } from 'grammy';
import { stringify } from 'csv-stringify/sync';
import { audit, currentPolicy, setPolicy } from '../../db/repository.ts';
import { changeModelRole, modelOverview } from '../../db/model-admin.ts';
import { decisionStats, decisionsForExport, nextReferral, reviewDecision } from '../../db/bot-repository.ts';
import { describeIssues } from '../../src/applicant/schema.ts';
import { PolicySchema, type Policy } from '../../src/scoring/policy.ts';
import type { BotDeps } from '../deps.ts';
import type { BotContext } from '../session.ts';

/** The lender's commands. Only allow-listed Telegram users get past the gate; every use is audited. */

const ADMIN_COMMAND_NAMES = ['stats', 'policy', 'review', 'model', 'export'] as const;
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const signed = (v: number) => `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(Math.round(v * 10) / 10)}`;
const MODEL_USAGE =
  'Change it with /model promote VERSION (the champion becomes the challenger), /model rollback (undo the last promotion), /model challenger VERSION, /model retire VERSION.';

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
    const [sub, version] = ctx.match.trim().split(/\s+/).filter(Boolean);
    const models = deps.decisions.models;
    if (sub) {
      const action = (['promote', 'rollback', 'challenger', 'retire'] as const).find((a) => a === sub.toLowerCase());
      if (!action || (action !== 'rollback' && !version)) {
        await ctx.reply(MODEL_USAGE);
        return;
      }
      const result = await changeModelRole(deps.db(), models, action, version, actor(ctx));
      if (result.kind === 'refused') {
        await ctx.reply(`Not changed: ${result.reason}.`);
        return;
      }
      const { champion, challenger } = result.roles;
      await ctx.reply(
        [
          `Done. Champion (deciding): ${champion}${result.previous.champion && result.previous.champion !== champion ? ` (was ${result.previous.champion})` : ''}.`,
          `Challenger (in shadow): ${challenger ?? 'none'}.`,
          `Every server uses it within ${Math.round(models.ttlMs / 1000)} s; recorded in the audit log.`,
        ].join('\n'),
      );
      return;
    }
    const [overview, active] = await Promise.all([modelOverview(deps.db(), models), models.active()]);
    const champion = active.champion;
    const m = champion.metrics as typeof champion.metrics & { data?: { file?: string } };
    const byVersion = new Map(overview.versions.map((v) => [v.version, v]));
    const live = (version: string) => {
      const p = byVersion.get(version)?.performance;
      return p
        ? ` On ${p.applications} loans with outcomes (${p.defaulted} defaulted): ROC-AUC ${p.rocAuc === null ? 'n/a (one outcome only)' : p.rocAuc.toFixed(3)}, Brier ${p.brier.toFixed(4)}.`
        : '';
    };
    const lines = [
      `Model ${champion.version}: ${describeChampion(champion.scorer, champion.trees)}.`,
      `Out-of-time test: ROC-AUC ${m.test.champion.rocAuc.toFixed(3)}, Brier ${m.test.champion.brier.toFixed(4)}; logistic baseline ROC-AUC ${m.test.baseline.rocAuc.toFixed(3)}, Brier ${m.test.baseline.brier.toFixed(4)}.${live(champion.version)}`,
      `Trained on ${m.data?.file ?? 'unknown data'}.`,
    ];
    const challenger = active.challenger;
    if (challenger) {
      const c = byVersion.get(challenger.version);
      const compared = c?.live.comparedWithChampion;
      const test = challenger.metrics.test.champion;
      lines.push(
        '',
        `Challenger ${challenger.version} (in shadow, never deciding): out-of-time ROC-AUC ${test.rocAuc.toFixed(3)}, Brier ${test.brier.toFixed(4)}.${live(challenger.version)}`,
        compared && compared.agreement !== null && compared.scoreShift
          ? `On ${compared.applications} live applications it would have made the same decision ${pct(compared.agreement)} of the time; its score is ${signed(compared.scoreShift.mean)} points on average (middle half ${signed(compared.scoreShift.quantiles.p25)} to ${signed(compared.scoreShift.quantiles.p75)}).`
          : 'No live applications scored in shadow yet.',
      );
    } else lines.push('', 'No challenger is scored in shadow.');
    lines.push('', MODEL_USAGE);
    await ctx.reply(lines.join('\n'));
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
