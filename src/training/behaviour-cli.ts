import { trainBehaviourModel } from './behaviour.ts';

/** `npm run train:behaviour`: evidence on the Berka loans and the behavioural model artefact. */
const result = await trainBehaviourModel();
const m = result.metrics;
const fmt = (b: { rocAuc: number; ci95: [number, number] }) => `${b.rocAuc} ${JSON.stringify(b.ci95)}`;
console.log(`behavioural model ${result.version} written to ${result.dir}`);
console.log(`${m.data.loans} loans (${m.data.bad} bad): 1997–98 ${m.data.cohorts['1997-98'].loans}, 1993–94 ${m.data.cohorts['1993-94'].loans}`);
console.log(`L2 chosen by cross-validation: statement ${m.regularisation.statement.l2}, answers ${m.regularisation.answers.l2}`);
console.log(
  `ROC-AUC (cross-validated, 95% CI): bank ${fmt(m.bankOnly)}, behaviour ${fmt(m.behaviourOnly)}, both ${fmt(m.bankPlusBehaviour)}; gain ${m.bankPlusBehaviour.gainOverBank} ${JSON.stringify(m.bankPlusBehaviour.gainCi95)}`,
);
console.log(
  `bank + capped evidence ${fmt(m.bankPlusCappedEvidence)}; gain ${m.bankPlusCappedEvidence.gainOverBank} ${JSON.stringify(m.bankPlusCappedEvidence.gainCi95)}`,
);
