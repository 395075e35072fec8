import { changeSerde } from '../change-serde.js';
import { windowedSerde } from '../windowed-serde.js';
import { ChangeSerdeSpec, WindowedSerdeSpec, WrappedSerdeSpec, type AnySerde, type SerdeSpec } from '../topology/nodes.js';

/** The serde for `spec`, falling back to the application's default (keys or values). */
export function resolveSerde(spec: SerdeSpec | undefined, fallback: AnySerde, defaultKey: AnySerde): AnySerde {
  if (spec instanceof WindowedSerdeSpec) return windowedSerde(spec.inner ?? defaultKey);
  if (spec instanceof ChangeSerdeSpec) return changeSerde(spec.inner ?? fallback);
  if (spec instanceof WrappedSerdeSpec) return spec.wrap(resolveSerde(spec.inner, spec.innerDefault === 'key' ? defaultKey : fallback, defaultKey));
  return spec ?? fallback;
}
