// The per-patient record of followPolicy: one policy's outcomes for one patient (paired differences, costs).

/** Offsets in a policy's slice of the per-patient record (see followPolicy). */
export const RECORD_NON_RESPONSE = 0;
export const RECORD_LINES = 1;
export const RECORD_DRUG_MONTHS = 2;

/** Length of one policy's slice of the per-patient record: two values, then one per catalog drug. */
export function patientRecordStride(drugCount: number): number {
  return RECORD_DRUG_MONTHS + drugCount;
}
