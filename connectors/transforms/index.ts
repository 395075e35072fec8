/** Every transform type, listed explicitly; configs name them in `transforms[].type`. */
import { dropFieldTransform } from './drop-field.js';
import { filterTransform } from './filter.js';
import { insertFieldTransform } from './insert-field.js';
import { keyFromFieldTransform } from './key-from-field.js';
import { renameFieldTransform } from './rename-field.js';
import { timestampFromFieldTransform } from './timestamp-from-field.js';
import type { AnyTransformType } from './transform.js';

export const TRANSFORM_TYPES: readonly AnyTransformType[] = [
  insertFieldTransform,
  dropFieldTransform,
  renameFieldTransform,
  keyFromFieldTransform,
  timestampFromFieldTransform,
  filterTransform,
];

export const TRANSFORMS_BY_TYPE: ReadonlyMap<string, AnyTransformType> = new Map(TRANSFORM_TYPES.map((t) => [t.type, t]));

export { compileTransforms, TransformError, type Transform, type TransformChain, type TransformRecord, type TransformType } from './transform.js';
