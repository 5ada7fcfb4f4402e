import { onchainTable } from "ponder";

/** One row per event, as decoded: what any indexer must at least do. */
export const rawEvent = onchainTable("raw_event", (t) => ({
  id: t.text().primaryKey(),
  name: t.text().notNull(),
  blockNumber: t.bigint().notNull(),
  args: t.json(),
}));
