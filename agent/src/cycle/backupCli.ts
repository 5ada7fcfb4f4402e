// `treasury backup` and `treasury restore`: the embedded journal (PGlite) to one verified file and
// back (journal/backup.ts). On Postgres (DATABASE_URL) they refuse and point to pg_dump/pg_restore.
import path from "node:path";
import type { Command } from "commander";
import { UserError } from "../errors";
import { loadAgentConfig } from "../config";
import { backupJournal, restoreJournal } from "../journal/backup";
import { addressesFrom } from "./context";

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

function embedded(o: { config?: string }, verb: string) {
  const cfg = loadAgentConfig({ file: o.config });
  if (cfg.databaseUrl)
    throw new UserError(`\`treasury ${verb}\` covers the embedded journal only; this agent keeps its journal on Postgres (DATABASE_URL): use ${verb === "backup" ? "pg_dump" : "pg_restore"} as docs/deploy.md "Backups" shows`);
  const a = addressesFrom(cfg.deploymentsFile, cfg.safe);
  return { dataDir: cfg.dataDir, chainId: a.chainId, safe: a.safe };
}

export function registerBackupVerbs(program: Command, io: Io): void {
  program
    .command("backup")
    .description("copy the embedded journal to one verified file (the agent must be stopped; Postgres: pg_dump)")
    .option("--out <file>", "the backup file (default: treasury-journal-<chain>-<safe>-<time>.backup here)")
    .option("--config <file>", "agent config JSON")
    .option("--json", "print JSON")
    .action(async (o: { out?: string; config?: string; json?: boolean }) => {
      const e = embedded(o, "backup");
      const out = o.out ?? path.resolve(`treasury-journal-${e.chainId}-${e.safe.slice(0, 10)}-${new Date().toISOString().replace(/[:.]/g, "-")}.backup`);
      const r = await backupJournal({ ...e, out });
      io.out(o.json ? JSON.stringify(r) + "\n" : `backed up ${r.decisions} decisions and ${r.events} events of ${r.safe} (chain ${r.chainId}) to ${r.file} (${r.bytes} bytes, sha256 ${r.sha256})\n`);
    });

  program
    .command("restore <file>")
    .description("replace the embedded journal with a backup (verified first; the old journal is kept aside; the agent must be stopped)")
    .option("--force", "replace a journal that has records, or restore a backup of another chain or Safe")
    .option("--config <file>", "agent config JSON")
    .option("--json", "print JSON")
    .action(async (file: string, o: { force?: boolean; config?: string; json?: boolean }) => {
      const e = embedded(o, "restore");
      const r = await restoreJournal({ ...e, file, force: o.force });
      if (o.json) io.out(JSON.stringify(r) + "\n");
      else
        io.out(
          `restored ${r.restored.decisions} decisions and ${r.restored.events} events (backup of ${r.header.createdAt}) into ${path.resolve(e.dataDir, "journal")}` +
            (r.keptAside ? `; the journal that was there is kept in ${r.keptAside}` : "") +
            `\nthe next cycle looks on chain for executions after block ${r.header.lastBlock} that the backup does not know, and holds that day if it finds one\n`,
        );
    });
}
