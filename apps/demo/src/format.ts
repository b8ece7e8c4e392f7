/*
 * How the study's objective is shown: the demo's own studies maximise validation accuracy (shown
 * as a percentage); a study dropped on the page has a value of its own, in either direction.
 */
export const objective: { label: string; percent: boolean; direction: 'maximize' | 'minimize' } = {
  label: 'validation accuracy',
  percent: true,
  direction: 'maximize',
};

export function fmtValue(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return objective.percent ? `${(v * 100).toFixed(2)}%` : v.toPrecision(4);
}
