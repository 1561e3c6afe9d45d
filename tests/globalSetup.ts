// Build dist/ once (as npm run build: compile, then stamp the engine fingerprint) so the CLI tests exercise the compiled `jaksim` command.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
}
