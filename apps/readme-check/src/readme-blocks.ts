/** One TypeScript code block of a README. */
export interface ReadmeBlock {
  /** The README it comes from, relative to the repository root. */
  readme: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /** `run`: typechecked and run against the emulator; `fragment`: only typechecked. */
  mode: 'run' | 'fragment';
  /** Services the block needs to run (`redis`, `browser`). */
  requires: string[];
}

const MARKER = /^<!--\s*readme-check:\s*([^>]*?)\s*-->\s*$/;

/**
 * The ```ts and ```typescript blocks of a Markdown text. A `<!-- readme-check: ... -->` comment on
 * one of the lines just before a block (blank lines and other comments may sit between) sets how
 * it is checked: `fragment` (typechecked only), `redis` or `browser` (a service it needs).
 */
export function readmeBlocks(readme: string, text: string): ReadmeBlock[] {
  const lines = text.split(/\r?\n/);
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)```(ts|typescript)\s*$/.exec(lines[i]!);
    if (!fence) continue;
    const start = i;
    const code: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++) code.push(lines[i]!);
    const words: string[] = [];
    for (let j = start - 1; j >= 0; j--) {
      const line = lines[j]!.trim();
      const marker = MARKER.exec(line);
      if (marker) words.push(...marker[1]!.split(/[\s,]+/).filter(Boolean));
      else if (line !== '' && !line.startsWith('<!--')) break;
    }
    blocks.push({
      readme,
      line: start + 1,
      code: code.join('\n') + '\n',
      mode: words.includes('fragment') ? 'fragment' : 'run',
      requires: words.filter((w) => w === 'redis' || w === 'browser'),
    });
  }
  return blocks;
}

/** A file name for a block: the README's path and the block's line, as letters, digits and dashes. */
export function blockFileName(block: ReadmeBlock): string {
  return `${block.readme.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}-L${block.line}`;
}
