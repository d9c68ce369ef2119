// `vpo doctor`'s text output: one line per provider ("cuda: libraries present, no NVIDIA driver"),
// the advice indented under it. The JSON form is the API.md contract.
import type { ProviderReport } from './verdict.ts';

export function formatReport(reports: ProviderReport[]): string {
  return reports
    .map((r) => {
      const advice = r.advice
        .split('\n')
        .filter(Boolean)
        .map((a) => `  - ${a}\n`)
        .join('');
      return `${r.name}: ${r.summary}\n${advice}`;
    })
    .join('');
}

/** The API.md shape: {"providers": [{name, library, driver, devices, versionMatch, usable, advice}]}. */
export function reportJson(reports: ProviderReport[]): { providers: ProviderReport[] } {
  return { providers: reports };
}
