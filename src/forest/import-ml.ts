import { z } from 'zod';
import { assembleForest, type FlatForest } from '../model/flat.ts';
import type { GrownTree } from '../model/flat.ts';

/**
 * Imports a binary classifier saved by ml-random-forest (`RandomForestClassifier#toJSON()`) into
 * our flat format. Each leaf holds that tree's vote for class 1 (0 or 1), so the flat forest's mean
 * is the exact share of trees voting "bad" and `>= 0.5` reproduces ml-random-forest's `predict()`
 * (for an odd number of trees; with even counts ml-random-forest breaks ties by vote order).
 */

interface MlNode {
  splitValue?: number;
  splitColumn?: number;
  left?: MlNode;
  right?: MlNode;
  distribution?: number[][];
}

const MlNodeSchema: z.ZodType<MlNode> = z.lazy(() =>
  z.looseObject({
    splitValue: z.number().optional(),
    splitColumn: z.number().int().min(0).optional(),
    left: MlNodeSchema.optional(),
    right: MlNodeSchema.optional(),
    distribution: z.array(z.array(z.number())).optional(),
  }),
);

export const MlRandomForestJsonSchema = z.object({
  name: z.literal('RFClassifier'),
  baseModel: z.looseObject({
    isClassifier: z.literal(true),
    indexes: z.array(z.array(z.number().int().min(0))),
    estimators: z.array(z.looseObject({ name: z.literal('DTClassifier'), root: MlNodeSchema })).min(1),
  }),
});

/** The largest double below v: ml-cart sends x < v left, we send x <= threshold left. */
export function nextDown(v: number): number {
  if (Number.isNaN(v) || v === -Infinity) return v;
  if (v === 0) return -Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, v > 0 ? bits - 1n : bits + 1n);
  return view.getFloat64(0);
}

function vote(distribution: number[][] | undefined, where: string): number {
  const row = distribution?.[0];
  if (!row || row.length === 0) throw new Error(`${where}: leaf without a class distribution`);
  if (row.length > 2) throw new Error(`${where}: ${row.length} classes; only binary (0/1) forests can be imported`);
  // ml-cart predicts the first class with the highest share.
  return row.length === 2 && row[1] > row[0] ? 1 : 0;
}

function flattenTree(root: MlNode, columns: number[], where: string): GrownTree {
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const value: number[] = [];
  const alloc = () => {
    feature.push(-1);
    threshold.push(0);
    left.push(-1);
    value.push(0);
    return feature.length - 1;
  };
  const queue: [MlNode, number][] = [[root, alloc()]];
  while (queue.length > 0) {
    const [node, id] = queue.shift()!;
    if (node.left && node.right) {
      if (node.splitColumn === undefined || node.splitValue === undefined) throw new Error(`${where}: split without column or value`);
      const column = columns[node.splitColumn];
      if (column === undefined) throw new Error(`${where}: split column ${node.splitColumn} is not in the tree's feature list`);
      const l = alloc();
      alloc();
      feature[id] = column;
      threshold[id] = nextDown(node.splitValue);
      left[id] = l;
      queue.push([node.left, l], [node.right, l + 1]);
    } else {
      value[id] = vote(node.distribution, where);
    }
  }
  return {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    left: Int32Array.from(left),
    value: Float64Array.from(value),
    cover: new Float64Array(feature.length),
  };
}

export function importMlRandomForest(json: unknown, nFeatures: number): FlatForest {
  const model = MlRandomForestJsonSchema.parse(json).baseModel;
  if (model.indexes.length !== model.estimators.length) {
    throw new Error(`ml-random-forest model has ${model.estimators.length} trees but ${model.indexes.length} feature lists`);
  }
  const trees = model.estimators.map((estimator, t) => {
    const columns = model.indexes[t];
    const outside = columns.find((c) => c >= nFeatures);
    if (outside !== undefined) throw new Error(`tree ${t} uses feature ${outside}, but the data has ${nFeatures}`);
    return flattenTree(estimator.root, columns, `tree ${t}`);
  });
  return assembleForest(trees, nFeatures);
}
