// The last block the chain watcher finished, in a small JSON file of the agent's data folder: a
// restart goes on from the next block (nothing missed), and the alert log's dedup holds back what a
// crash between delivery and saving would send twice. Written atomically.
import fs from "node:fs";
import path from "node:path";

export class Cursor {
  constructor(readonly file: string) {}

  static for(dataDir: string, chainId: number, safe: string): Cursor {
    return new Cursor(path.join(dataDir, `watch-cursor-${chainId}-${safe.toLowerCase()}.json`));
  }

  /** The last block done; undefined when never run (or the file is unreadable: the watcher starts at the head). */
  read(): bigint | undefined {
    try {
      const j = JSON.parse(fs.readFileSync(this.file, "utf8")) as { block?: string };
      return j.block !== undefined && /^\d+$/.test(j.block) ? BigInt(j.block) : undefined;
    } catch {
      return undefined;
    }
  }

  write(block: bigint): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ block: block.toString(), at: new Date().toISOString() }) + "\n");
    fs.renameSync(tmp, this.file);
  }
}
