import { type FrozenTrial, parseStudyJSON, type StudyMeta, toStudyJSON } from '@webtune/core';

/*
 * A study produced elsewhere, dropped on the page: what `webtune run --out` writes (a study JSON)
 * or a study journal (`webtune run --storage study.jsonl`, core's fileStorage: one JSON record a line).
 * Loaded by the page only when a file is dropped or chosen.
 */

/** Replays a journal's records: the study line, then creates, whole updates and deltas. */
function replayJournal(lines: string[]): { meta: unknown; trials: FrozenTrial[] } {
  const first = JSON.parse(lines[0] ?? '') as { op?: string; format?: string; study?: unknown };
  if (first.op !== 'study' || !String(first.format).startsWith('webtune-journal/')) {
    throw new Error('its first line is not a webtune journal’s study line');
  }
  const trials = new Map<number, FrozenTrial>();
  for (const [i, line] of lines.slice(1).entries()) {
    if (line.trim() === '') continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      // A last line cut short (the study was still being written): what came before stands.
      if (i === lines.length - 2) break;
      throw new Error(`line ${i + 2} is not JSON`);
    }
    if (record.trial) {
      const t = record.trial as FrozenTrial;
      trials.set(t.number, t);
      continue;
    }
    const number = record.number as number;
    const t = trials.get(number);
    if (record.op !== 'update' || !t)
      throw new Error(`line ${i + 2}: no trial ${number} to update`);
    const set = (record.set ?? {}) as Partial<FrozenTrial>;
    const attrs = (record.attrs ?? {}) as Record<string, unknown>;
    const append = (record.append ?? []) as [number, number][];
    trials.set(number, {
      ...t,
      ...set,
      userAttrs: { ...t.userAttrs, ...attrs },
      intermediate: [...t.intermediate, ...append.map(([step, value]) => ({ step, value }))],
    });
  }
  return { meta: first.study, trials: [...trials.values()].sort((a, b) => a.number - b.number) };
}

/**
 * The study in a dropped file's text: a study JSON or a journal, checked by core's
 * `parseStudyJSON`. Throws saying, in words, why the file is neither.
 */
export function readStudyFile(
  fileName: string,
  text: string,
): { meta: StudyMeta; trials: FrozenTrial[] } {
  const lines = text.split('\n');
  try {
    if (/^\s*\{\s*"op"\s*:/.test(lines[0] ?? '')) {
      const { meta, trials } = replayJournal(lines);
      return parseStudyJSON(toStudyJSON(meta as StudyMeta, trials));
    }
    return parseStudyJSON(JSON.parse(text));
  } catch (error) {
    throw new Error(
      `“${fileName}” is neither a study JSON (webtune run --out) nor a study journal: ${(error as Error).message}`,
    );
  }
}
