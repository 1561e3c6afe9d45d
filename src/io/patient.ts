// The reader of patient files (`jaksim predict`): YAML or JSON through the one input reader, then
// io/patientFacts.ts's validation (one clear message per problem, exit 2).
import { ScenarioError } from './errors.js';
import { InputFileError } from './inputFile.js';
import { validatePatient, type PatientFacts } from './patientFacts.js';
import { decodeScenarioBytes, parseScenarioChecked, readScenarioBytes } from './scenario.js';

export { STOP_REASONS, validatePatient, type PatientFacts, type PatientLine, type StopReason } from './patientFacts.js';

/** Read and validate a patient file (YAML, or JSON by extension). */
export function loadPatient(file: string, drugIds: readonly string[]): PatientFacts {
  let buf: Buffer;
  try {
    // The one input reader: a regular file only, at most the scenario-file limit read (never a FIFO or a device).
    buf = readScenarioBytes(file, 'a readable patient file');
  } catch (err) {
    if (err instanceof InputFileError) throw new ScenarioError(file, '', err.expected, err.reason);
    throw err;
  }
  return validatePatient(parseScenarioChecked(decodeScenarioBytes(buf, file), file), file, drugIds);
}
