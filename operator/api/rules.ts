// TypeScript twins of the CEL rules (x-kubernetes-validations) in crds/, keyed by the rule text,
// so `vpo plan` rejects what the API server rejects, with the CRD's own message. cel.test.ts
// evaluates the real CEL rules and these side by side and fails when a rule has no twin here
// or when the two disagree.
import { parseQuantity } from './quantity.ts';

type Obj = Record<string, unknown>;
type Check = (self: unknown) => boolean;

const has = (o: unknown, key: string): boolean =>
  typeof o === 'object' && o !== null && (o as Obj)[key] !== undefined;
const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const positiveQuantity = (v: unknown): boolean => {
  const q = typeof v === 'string' ? parseQuantity(v) : undefined;
  return q !== undefined && q > 0;
};
const fraction = (v: unknown): boolean => positiveQuantity(v) && parseQuantity(v as string)! < 1;
const is = (o: unknown, key: string, value: unknown): boolean => has(o, key) && (o as Obj)[key] === value;
const uniqueBy = (key: string) => (self: unknown) => {
  const values = list(self).map((x) => x[key]);
  return new Set(values).size === values.length;
};

export const ruleChecks: Record<string, Check> = {
  "!has(self.source) || self.source == 'stages' || (has(self.layout) && has(self.frames) && has(self.width) && has(self.height))":
    (self) =>
      !has(self, 'source') ||
      (self as Obj).source === 'stages' ||
      ['layout', 'frames', 'width', 'height'].every((k) => has(self, k)),
  'isQuantity(self)': (self) => typeof self === 'string' && parseQuantity(self) !== undefined,
  "isQuantity(self) && quantity(self).isGreaterThan(quantity('0'))": positiveQuantity,
  'self.all(p, self.exists_one(q, q.gpuProduct == p.gpuProduct))': uniqueBy('gpuProduct'),
  'self.all(p, self.exists_one(q, q.batchSize == p.batchSize))': uniqueBy('batchSize'),
  'has(self.videosPerSecond) != has(self.videosPerDay)': (self) =>
    has(self, 'videosPerSecond') !== has(self, 'videosPerDay'),
  'self.all(s, self.exists_one(t, t.name == s.name))': uniqueBy('name'),
  "self.all(s, !has(s.inputs) || s.inputs.all(i, i == 'source' || self.exists(t, t.name == i)))": (self) => {
    const names = new Set(list(self).map((s) => s.name));
    return list(self).every((s) =>
      list(s.inputs).every((i) => (i as unknown) === 'source' || names.has(i as unknown)),
    );
  },
  '!has(self.inputs) || !(self.name in self.inputs)': (self) =>
    !list((self as Obj).inputs).includes((self as Obj).name as Obj),
  "self != 'source'": (self) => self !== 'source',
  "!has(self.kind) || self.kind != 's3' || has(self.s3)": (self) =>
    (self as Obj).kind !== 's3' || has(self, 's3'),
  "!has(self.kind) || self.kind != 'persistentVolumeClaim' || has(self.persistentVolumeClaim)": (self) =>
    (self as Obj).kind !== 'persistentVolumeClaim' || has(self, 'persistentVolumeClaim'),
  "!has(self.cuda) || self.executionProvider == 'cuda'": (self) =>
    !has(self, 'cuda') || (self as Obj).executionProvider === 'cuda',
  "isQuantity(self) && quantity(self).isGreaterThan(quantity('0')) && quantity(self).isLessThan(quantity('1'))":
    fraction,
  "!has(self.dbText) || (has(self.decoder) && self.decoder == 'dbText')": (self) =>
    !has(self, 'dbText') || is(self, 'decoder', 'dbText'),
  "!has(self.ctcText) || (has(self.decoder) && self.decoder == 'ctcText')": (self) =>
    !has(self, 'ctcText') || is(self, 'decoder', 'ctcText'),
  "!has(self.decoder) || self.decoder != 'ctcText' || has(self.ctcText)": (self) =>
    !is(self, 'decoder', 'ctcText') || has(self, 'ctcText'),
  "!has(self.labels) || !has(self.decoder) || self.decoder == 'classes'": (self) =>
    !has(self, 'labels') || !has(self, 'decoder') || is(self, 'decoder', 'classes'),
  'has(self.sessionRef) != has(self.gather)': (self) => has(self, 'sessionRef') !== has(self, 'gather'),
  "!has(self.gather) || (has(self.inputs) && size(self.inputs) == 1 && self.inputs[0] != 'source')": (
    self,
  ) => {
    const inputs = list((self as Obj).inputs) as unknown[];
    return !has(self, 'gather') || (inputs.length === 1 && inputs[0] !== 'source');
  },
  'self.all(s, !has(s.inputs) || s.inputs.all(i, !self.exists(t, t.name == i && has(t.gather))))': (self) => {
    const gathers = new Set(
      list(self)
        .filter((s) => has(s, 'gather'))
        .map((s) => s.name),
    );
    return list(self).every((s) => list(s.inputs).every((i) => !gathers.has(i as unknown)));
  },
};
