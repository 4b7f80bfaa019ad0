// Guards marked in the source: a `// guard: <name>` comment on the line before the code it names.
// Mutations (scripts/mutants-list.ts) and bench variants (bench/lib/profile-report.ts) find their
// place by the marker, then replace text only within the `lines` lines after it, so a refactor
// that keeps the marker beside its guard keeps them working. A missing marker, a marker found
// twice, or a find that does not match exactly once in its scope throws.

/** One edit at a marked guard. */
export interface GuardEdit {
  /** The `<name>` of `// guard: <name>` in the file. */
  guard: string;
  /** Text to replace, within the scope; it must occur there exactly once. */
  find: string;
  replace: string;
  /** How many lines after the marker the scope spans (default 1). */
  lines?: number;
}

const markerOf = (name: string) => new RegExp(`^[ \\t]*// guard: ${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[ \\t]*$`, "gm");

/** `text` with `edit` applied at its marker; throws (naming `file`) when the marker or the find does not match exactly once. */
export function applyAtGuard(text: string, file: string, edit: GuardEdit): string {
  const found = [...text.matchAll(markerOf(edit.guard))];
  if (found.length !== 1) throw new Error(`guard "${edit.guard}": marker found ${found.length} times in ${file}`);
  const start = found[0]!.index! + found[0]![0].length + 1;
  let end = start;
  for (let i = 0; i < (edit.lines ?? 1); i++) {
    const next = text.indexOf("\n", end);
    end = next === -1 ? text.length : next + 1;
  }
  const scope = text.slice(start, end);
  const count = scope.split(edit.find).length - 1;
  if (count !== 1) throw new Error(`guard "${edit.guard}": find matches ${count} times in its ${edit.lines ?? 1} line(s) of ${file}`);
  return text.slice(0, start) + scope.replace(edit.find, () => edit.replace) + text.slice(end);
}
