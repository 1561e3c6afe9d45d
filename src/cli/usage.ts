// Plain words for what a command line lacks or mistypes: a bare `jaksim run`, an unknown flag, `--version`.
import { ENGINE_VERSION } from '../version.js';
import { didYouMean } from '../io/suggest.js';

/** What each command needs first, said the way a user would look for it. */
const FIRST_ARGUMENT: Record<string, string> = {
  run: 'missing the scenario file: the YAML file that describes the patients, the drugs and the policies '
    + 'to compare. Try `jaksim run scenarios/default.yaml`, or write your own from the short example in the README '
    + '("Scenario files").',
  sweep: 'missing the scenario file (and the values to sweep), for example '
    + '`jaksim sweep scenarios/default.yaml --set failAtMonths=3,6,9,12` (README, "Policy analysis").',
  power: 'missing the scenario file (and the two policies a trial would compare), for example '
    + '`jaksim power scenarios/default.yaml --arms fail-6mo,fail-9mo` (README, "Trial design (power)").',
  trial: 'missing the drug: a drug of the calibrated catalog, with a trial population, for example '
    + '`jaksim trial baricitinib-4mg --population BRAVE-AA`.',
  merge: 'missing the partial results to merge: the files or folders written by '
    + '`jaksim run --shard i/n`, `jaksim sweep --shard i/n` or `jaksim predict --batch patients.csv --shard i/n`.',
};

/**
 * yargs' failure message in a user's words: a missing first argument says what to give, with an example;
 * an unknown flag suggests the nearest known one.
 */
export function explainFailure(message: string, argv: readonly string[], knownFlags: readonly string[]): string {
  const command = argv.find((a) => !a.startsWith('-'));
  if (/^Not enough non-option arguments/.test(message) && command && FIRST_ARGUMENT[command]) return FIRST_ARGUMENT[command];
  const unknown = /^Unknown arguments?: (.+)$/.exec(message);
  if (unknown) {
    const names = unknown[1].split(',').map((n) => n.trim());
    const hints = names.map((n) => didYouMean(n, knownFlags).replace(/"(.*)"/, '--$1')).filter(Boolean);
    if (hints.length > 0) return `${message}${hints[0]}`;
  }
  return message;
}

/** `jaksim --version`: the package version (also every result's engineVersion) and the Node running it. */
export function versionText(): string {
  return `jaksim ${ENGINE_VERSION} (Node ${process.versions.node})`;
}
