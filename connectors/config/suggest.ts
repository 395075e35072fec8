/**
 * "Did you mean …?" for misspelt names: the closest known name within a third of the length.
 * Edit distance from fastest-levenshtein (a maintained, well-tested package).
 */
import { distance as editDistance } from 'fastest-levenshtein';

/** The known name closest to `name`, if one is close enough to be a typo. */
export function closest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** ` (did you mean "x"?)`, or '' when nothing is close. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const near = closest(name, known);
  return near === undefined ? '' : ` (did you mean "${near}"?)`;
}
