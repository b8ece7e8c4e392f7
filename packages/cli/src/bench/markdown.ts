import { PEER_NAMES, PEER_OVERHEAD, PEER_REGRET, PEER_SEED_GRID } from './peers.js';
import type { QualityResult } from './quality.js';
import type { Summary } from './stats.js';

const f2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '—');
const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : '—');
const iqr = (s: Summary): string => `${f2(s.median)} [${f2(s.q1)}, ${f2(s.q3)}]`;

/**
 * The benchmark's Markdown report: the protocol's table of median log10 regret at the full
 * budget with the peers' figures beside webtune's, the median [IQR] at budget/2 and at the
 * budget with the overhead per trial, and the optimum-hit table for finite spaces.
 */
export function formatQualityMarkdown(result: QualityResult): string {
  const { machine } = result;
  const strategies = [
    ...new Set(result.problems.flatMap((p) => p.strategies.map((s) => s.strategy))),
  ];
  const lines: string[] = [];
  lines.push('# Optimiser quality: webtune vs peers', '');
  lines.push(
    `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.os}. ` +
      `Seeds 0..${result.seeds - 1}; started ${result.startedAt}. Protocol: ${result.protocol}.`,
    '',
  );
  const continuous = result.problems.filter((p) => p.configurations === null);
  if (continuous.length > 0) {
    lines.push('## Median log10 regret at the full budget (lower is better)', '');
    const head = [
      'problem',
      'd',
      'budget',
      ...PEER_NAMES,
      ...strategies.map((s) => `webtune ${s}`),
    ];
    lines.push(
      `| ${head.join(' | ')} |`,
      `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    );
    for (const p of continuous) {
      const peers = PEER_REGRET[p.name.replace('-', '_')];
      const cells = [
        p.name,
        String(p.parameters),
        String(p.budget),
        ...PEER_NAMES.map((n) => (peers ? f2(peers[n]) : '—')),
        ...strategies.map((s) =>
          f2(p.strategies.find((x) => x.strategy === s)?.full.median ?? Number.NaN),
        ),
      ];
      lines.push(`| ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  lines.push('## Median [IQR] of log10 regret and optimiser overhead', '');
  lines.push(
    '| problem | strategy | at budget/2 | at budget | overhead s/trial, wall (median [IQR]) | CPU s/trial (median) |',
    '|---|---|---:|---:|---:|---:|',
  );
  for (const p of result.problems) {
    for (const s of p.strategies) {
      lines.push(
        `| ${p.name} | ${s.strategy} | ${iqr(s.half)} | ${iqr(s.full)} | ${f3(s.overhead.median)} [${f3(s.overhead.q1)}, ${f3(s.overhead.q3)}] | ${f3(s.cpuOverhead.median)} |`,
      );
    }
  }
  lines.push('');
  lines.push(
    "Peers' overhead: " +
      PEER_OVERHEAD.map((o) => `${o.peer} ${o.secondsPerTrial} s/trial (${o.problem})`).join('; ') +
      '.',
    '',
  );
  const finite = result.problems.filter((p) => p.configurations !== null);
  for (const p of finite) {
    lines.push(`## ${p.name}: evaluation at which the optimum was first hit`, '');
    lines.push(
      `${p.configurations} configurations; exhaustive enumeration needs ${p.configurations} evaluations. ` +
        'Median over the seeds that hit it within the budget.',
      '',
    );
    lines.push(
      '| strategy | median evaluation | seeds hit by 30 | seeds hit by budget |',
      '|---|---:|---:|---:|',
    );
    for (const s of p.strategies) {
      const n = s.runs.length;
      lines.push(
        `| webtune ${s.strategy} | ${f2(s.hits.medianAt)} | ${s.hits.by30}/${n} | ${s.hits.byBudget}/${n} |`,
      );
    }
    if (p.name.replace('-', '_') === 'seed_grid') {
      for (const peer of PEER_SEED_GRID) {
        lines.push(`| ${peer.peer} (protocol) | ${peer.medianHit} | ${peer.note || '—'} | — |`);
      }
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
