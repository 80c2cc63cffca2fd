import { trainBehaviourModel } from './behaviour.ts';

/** `npm run train:behaviour`: evidence on the Berka loans and the behavioural model artefact. */
const result = await trainBehaviourModel();
const m = result.metrics;
console.log(`behavioural model ${result.version} written to ${result.dir}`);
console.log(`ROC-AUC (cross-validated, 95% CI): bank ${m.bankOnly.rocAuc} ${JSON.stringify(m.bankOnly.ci95)}, behaviour ${m.behaviourOnly.rocAuc} ${JSON.stringify(m.behaviourOnly.ci95)}, both ${m.bankPlusBehaviour.rocAuc} ${JSON.stringify(m.bankPlusBehaviour.ci95)}; gain ${m.bankPlusBehaviour.gainOverBank} ${JSON.stringify(m.bankPlusBehaviour.gainCi95)}`);
