/**
 * Environment variable references in config values — one syntax for connector configs and
 * pipeline files:
 *
 * - `${VAR}` is the value of `VAR`; unset, the caller reports it (naming the variable and place).
 * - `${VAR:-default}` falls back to `default` when `VAR` is unset or empty (as in the shell and
 *   docker compose). `${VAR:default}` (Redpanda Connect's form) is read the same way.
 * - `$${` is a literal `${`.
 */

/** `$${…}` (escape), or `${NAME}`, `${NAME:-default}`, `${NAME:default}`. */
const REFERENCE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-?)([^}]*))?\}/g;

/**
 * Substitutes variables in a string.
 * @returns the new text and the variables that were unset (left as written).
 * @example interpolateString('${HOME}/data', { HOME: '/root' }) // { text: '/root/data', unset: [] }
 */
export function interpolateString(text: string, env: Readonly<Record<string, string | undefined>>): { text: string; unset: { name: string; index: number }[] } {
  const unset: { name: string; index: number }[] = [];
  if (!text.includes('${')) return { text, unset };
  const out = text.replace(REFERENCE, (whole: string, escaped: string, name: string, separator: string | undefined, fallback: string | undefined, index: number) => {
    if (escaped) return whole.slice(1);
    const value = env[name];
    if (value !== undefined && !(value === '' && separator !== undefined)) return value;
    if (separator !== undefined) return fallback ?? '';
    unset.push({ name, index });
    return whole;
  });
  return { text: out, unset };
}
