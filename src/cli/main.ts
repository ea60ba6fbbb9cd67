import { TrustError } from '../errors';
import { EXIT, HelpRequested, processIo, type Command, type Io } from './io';
import { loadModule } from './load';

/** A subcommand's loader: the module's export `name`, loaded on first use. */
function command(path: string, name: string): () => Promise<Command> {
  return async () => (await loadModule<Record<string, Command>>(path))[name]!;
}

/** Subcommands, loaded on use so `trust-gate status` never pays for the evaluator or analysers. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  'set-phase': { summary: 'set the committed phase by hand (recorded in history)', load: command('./set-phase.js', 'setPhaseCommand') },
  'set-revision': { summary: 'record a new agent revision (model, prompt, toolset); the policy says what it does to the phase', load: command('./set-revision.js', 'setRevisionCommand') },
  status: { summary: 'show the committed phase', load: command('./status.js', 'statusCommand') },
  evaluate: { summary: 'decide promote / hold / demote from evidence and audit logs (--write commits it)', load: command('./evaluate.js', 'evaluateCommand') },
  history: { summary: 'show the phase changes recorded in the state file', load: command('./history.js', 'historyCommand') },
  backtest: { summary: 'replay past evidence day by day: when each policy would have promoted, held or demoted', load: command('./backtest.js', 'backtestCommand') },
  access: { summary: 'show what an agent can actually do in a synthesized output', load: command('./access.js', 'accessCommand') },
  diff: { summary: 'show what an agent gains and loses between two synthesized outputs', load: command('./diff.js', 'diffCommand') },
  usage: { summary: 'show which grants an agent used in a window of its audit logs, which it never used, and a narrower definition', load: command('./usage.js', 'usageCommand') },
  report: { summary: 'write the trust report: one self-contained HTML page of the agent\'s record', load: command('./report.js', 'reportCommand') },
  approve: { summary: 'print (or --apply) the command for one single-use operator approval of a phase-3 write', load: command('./approve.js', 'approveCommand') },
  approvals: { summary: 'list the approvals ConfigMap\'s entries, stale ones and the command that removes them', load: command('./approvals.js', 'approvalsCommand') },
};

/** Registers a subcommand (used by the modules that add commands). */
export function commandTable(): typeof COMMANDS {
  return COMMANDS;
}

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    'usage: trust-gate <command> [flags]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Exit codes: 0 ok, 1 error, 2 changes (with --detailed-exitcode).',
    '',
  ].join('\n');
}

/** Runs the CLI; returns the exit code. Errors print one line per problem on stderr and exit 1. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? io.stdout : io.stderr)(help());
    return name ? EXIT.ok : EXIT.error;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr(`trust-gate: unknown command "${name}"; use one of ${Object.keys(COMMANDS).join(', ')}\n`);
    return EXIT.error;
  }
  try {
    return await (await entry.load())(rest, io);
  } catch (e) {
    if (e instanceof HelpRequested) {
      io.stdout(`usage: ${e.usage}\n`);
      return EXIT.ok;
    }
    if (e instanceof TrustError) {
      io.stderr(`trust-gate ${name}: error: ${e.message}\n`);
      return EXIT.error;
    }
    // A bug, not bad input: one line, no stack trace (TRUST_GATE_DEBUG=1 prints it), and exit 1.
    const detail = process.env.TRUST_GATE_DEBUG ? `\n${(e as Error).stack ?? String(e)}` : '';
    io.stderr(`trust-gate ${name}: internal error: ${String((e as Error).message ?? e).slice(0, 300)}; nothing was written. ` +
      `This is a bug in trust-gate: please report it with the command line (TRUST_GATE_DEBUG=1 shows where it failed)${detail}\n`);
    return EXIT.error;
  }
}
