// Two rules of the scenario contract used outside the per-patient code: the visit grid's size and a drug's
// default molecule (model/compile.ts, io/scenario.ts and the use cases all call these).

/** Visits on the grid visitEveryMonths, 2 visitEveryMonths, ... up to the horizon (a hair of tolerance for decimal steps). */
export function visitCountOf(horizon: number, visitEveryMonths: number): number {
  return Math.floor(horizon / visitEveryMonths + 1e-9);
}

/** A drug's molecule when the catalog gives none: its id up to the first '-' (baricitinib-4mg -> baricitinib). */
export function moleculeOf(id: string): string {
  return id.split('-')[0];
}
