/** One instruction of a Dockerfile, continuation lines joined. */
export interface DockerfileInstruction {
  /** Upper-case keyword, e.g. `RUN`. */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  readonly args: string;
  /** 1-based line of the keyword. */
  readonly line: number;
}

/** A build stage: its FROM and the instructions up to the next FROM. */
export interface DockerfileStage {
  readonly name?: string;
  readonly from: string;
  readonly instructions: readonly DockerfileInstruction[];
}

/** A Dockerfile split into instructions and stages (global ARGs before the first FROM apart). */
export interface ParsedDockerfile {
  readonly globalArgs: readonly DockerfileInstruction[];
  readonly stages: readonly DockerfileStage[];
}

/**
 * Enough of the Dockerfile syntax for structural checks: comments, line
 * continuations, instructions, stages. (hadolint does the real parsing and
 * linting; this lets tests ask what the final stage holds.)
 */
export function parseDockerfile(text: string): ParsedDockerfile {
  const instructions: DockerfileInstruction[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const first = lines[index] ?? '';
    if (/^\s*(#|$)/.test(first)) continue;
    const line = index + 1;
    let joined = first;
    while (/\\\s*$/.test(joined) && index + 1 < lines.length) {
      joined = joined.replace(/\\\s*$/, ' ');
      index++;
      const next = lines[index] ?? '';
      if (!/^\s*#/.test(next)) joined += next.trim();
    }
    const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(joined);
    if (match) instructions.push({ keyword: (match[1] ?? '').toUpperCase(), args: (match[2] ?? '').trim(), line });
  }
  const globalArgs: DockerfileInstruction[] = [];
  const stages: { name?: string; from: string; instructions: DockerfileInstruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [from = '', as, name] = instruction.args.replace(/--platform=\S+\s+/, '').split(/\s+/);
      stages.push(as?.toUpperCase() === 'AS' && name ? { name, from, instructions: [] } : { from, instructions: [] });
    } else if (stages.length === 0) {
      globalArgs.push(instruction);
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}
