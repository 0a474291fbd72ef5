/** What the code decides about balance: range violations, change sizes, order and verdict. */
import type { Language, Severity } from './schemas/common.ts';
import { SEVERITIES } from './schemas/common.ts';
import type { BalanceParameter, Finding, Overall } from './schemas/playtest.ts';

/** A problem with the request itself (duplicate names, an empty range), or undefined. */
export function parameterProblem(parameters: BalanceParameter[]): string | undefined {
  const seen = new Set<string>();
  for (const p of parameters) {
    const name = p.name.trim();
    if (seen.has(name)) return `parameter ${JSON.stringify(name)} is given twice`;
    seen.add(name);
    if (p.min !== undefined && p.max !== undefined && p.min > p.max) return `parameter ${JSON.stringify(name)} has min ${p.min} above max ${p.max}`;
  }
  return undefined;
}

/** A finding for each value outside its declared range: found by the code, not the model. */
export function ruleFindings(parameters: BalanceParameter[], language: Language): Finding[] {
  const ko = language === 'ko';
  return parameters.flatMap((p): Finding[] => {
    const below = p.min !== undefined && p.value < p.min;
    const above = p.max !== undefined && p.value > p.max;
    if (!below && !above) return [];
    const bound = below ? p.min! : p.max!;
    const change = changePercent(p.value, bound);
    return [
      {
        parameter: p.name,
        issue: ko ? `값 ${p.value}이(가) 허용 범위(${p.min ?? '-∞'}~${p.max ?? '∞'})를 벗어났습니다` : `value ${p.value} is outside its allowed range (${p.min ?? '-∞'} to ${p.max ?? '∞'})`,
        severity: 'high',
        reasoning: ko ? '선언된 범위를 벗어난 값은 설계 의도와 어긋나며 다른 수치 계산을 깨뜨릴 수 있습니다.' : 'A value outside its declared range contradicts the design and can break what is computed from it.',
        suggestedValue: bound,
        ...(change !== undefined ? { changePercent: change } : {}),
        suggestedChange: ko ? `${bound}(으)로 맞추세요` : `set it to ${bound}`,
        source: 'rule',
      },
    ];
  });
}

/** How far `suggested` is from `value`, in percent with one decimal; undefined from zero. */
export function changePercent(value: number, suggested: number | undefined): number | undefined {
  if (suggested === undefined || value === 0) return undefined;
  return Math.round(((suggested - value) / Math.abs(value)) * 1000) / 10;
}

const RANK: Readonly<Record<Severity, number>> = Object.fromEntries(SEVERITIES.map((s, i) => [s, i])) as Record<Severity, number>;

export function bySeverity(findings: Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => RANK[a.f.severity] - RANK[b.f.severity] || a.i - b.i)
    .map((x) => x.f);
}

/** major-issues with any critical or high finding, minor-issues with any other, else balanced. */
export function overallOf(findings: Finding[]): Overall {
  if (findings.some((f) => f.severity === 'critical' || f.severity === 'high')) return 'major-issues';
  return findings.length > 0 ? 'minor-issues' : 'balanced';
}

export function severityCounts(findings: Finding[]): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) counts[f.severity]++;
  return counts;
}
