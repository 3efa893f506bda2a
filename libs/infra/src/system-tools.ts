import { constants } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { MissingSystemPackageError } from './errors.js';
import { installStep, type InfraEventListener } from './infra-reports.js';
import { runCommand } from './run-command.js';

/** Programs the servers need from the system, each installed from Debian's packages when missing. */
export interface SystemTools {
  /** A `java` of version 17 or newer. */
  java(): Promise<string>;
  /** `mvn`, to fetch Kafka's jars. */
  maven(): Promise<string>;
  /** A `python3` that can create venvs. */
  python(): Promise<string>;
  /** `redis-server`. */
  redisServer(): Promise<string>;
}

/** Options of {@link createSystemTools}. */
export interface SystemToolsOptions {
  /** Where to look for programs. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Told about each apt-get step. Default: nothing. */
  readonly onEvent?: InfraEventListener;
}

/** Absolute path of `name` on the PATH, if it is there and executable. */
export async function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of (env['PATH'] ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

/** The major version `java -version` prints (`"17.0.15"` → 17, `"1.8.0_292"` → 8), or undefined. */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

async function firstThatWorks(candidates: readonly (string | undefined)[], works: (path: string) => Promise<boolean>): Promise<string | undefined> {
  for (const candidate of new Set(candidates)) {
    if (candidate && (await works(candidate))) return candidate;
  }
  return undefined;
}

const succeeds = (command: string, args: readonly string[]) => runCommand(command, args).then(() => true, () => false);

/**
 * apt-get, serialised (dpkg allows one at a time) with `apt-get update` run
 * once; only as root, otherwise the error says what to install.
 */
function createApt(onEvent: InfraEventListener, env: NodeJS.ProcessEnv) {
  let updated: Promise<unknown> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const aptEnv = { DEBIAN_FRONTEND: 'noninteractive' };
  return (program: string, aptPackage: string): Promise<void> => {
    const install = async () => {
      if (process.getuid?.() !== 0) throw new MissingSystemPackageError(program, aptPackage, 'not running as root, so it is not installed here');
      if (!(await findExecutable('apt-get', env))) throw new MissingSystemPackageError(program, aptPackage, 'apt-get is not available');
      updated ??= installStep(onEvent, 'apt-get update', () => runCommand('apt-get', ['update'], { env: aptEnv }));
      await updated;
      await installStep(onEvent, `apt-get install ${aptPackage}`, () =>
        runCommand('apt-get', ['install', '-y', '--no-install-recommends', aptPackage], { env: aptEnv }),
      );
    };
    const run = queue.then(install, install);
    queue = run.catch(() => undefined);
    return run;
  };
}

/** One program: found, or installed with apt-get and then found, or a clear error. */
function tool(
  program: string,
  aptPackage: string,
  find: () => Promise<string | undefined>,
  aptInstall: (program: string, aptPackage: string) => Promise<void>,
): () => Promise<string> {
  let found: Promise<string> | undefined;
  return () =>
    (found ??= (async () => {
      const present = await find();
      if (present) return present;
      await aptInstall(program, aptPackage);
      const installed = await find();
      if (!installed) throw new MissingSystemPackageError(program, aptPackage, `still not found after apt-get install ${aptPackage}`);
      return installed;
    })());
}

/** Finds (and if need be installs) java 17+, maven, python3 with venv, and redis-server; each is looked up once. */
export function createSystemTools(options: SystemToolsOptions = {}): SystemTools {
  const { env = process.env, onEvent = () => undefined } = options;
  const apt = createApt(onEvent, env);

  const findJava = async () => {
    const jvms = await readdir('/usr/lib/jvm').catch(() => [] as string[]);
    const javaHome = env['JAVA_HOME'];
    return firstThatWorks(
      [javaHome && join(javaHome, 'bin', 'java'), await findExecutable('java', env), ...jvms.map((jvm) => join('/usr/lib/jvm', jvm, 'bin', 'java'))],
      async (java) => {
        const output = await runCommand(java, ['-version']).catch(() => '');
        return (parseJavaMajor(output) ?? 0) >= 17;
      },
    );
  };
  const findPython = async () =>
    firstThatWorks([await findExecutable('python3', env), '/usr/bin/python3'], (python) => succeeds(python, ['-c', 'import venv, ensurepip']));

  return {
    java: tool('java 17+', 'openjdk-17-jre-headless', findJava, apt),
    maven: tool('mvn', 'maven', () => findExecutable('mvn', env), apt),
    python: tool('python3 with venv', 'python3-venv', findPython, apt),
    redisServer: tool('redis-server', 'redis-server', () => findExecutable('redis-server', env), apt),
  };
}
