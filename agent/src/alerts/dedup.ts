// The alerts already sent, in the agent's journal database (table alerts_sent), so a restart does
// not send the same alert again: a key sent less than the window ago and not resolved since is
// held back and counted.
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Journal } from "../journal";
import { alertsSent } from "../journal/schema";

export interface SentAlert {
  key: string;
  kind: string;
  title: string;
  sentAt: Date;
  resolvedAt: Date | null;
  suppressed: number;
}

export class AlertLog {
  constructor(private readonly db: Journal["db"]) {}

  static of(journal: Journal): AlertLog {
    return new AlertLog(journal.db);
  }

  async get(key: string): Promise<SentAlert | undefined> {
    const r = await this.db.select().from(alertsSent).where(eq(alertsSent.key, key));
    return r[0];
  }

  async sent(key: string, kind: string, title: string, at: Date): Promise<void> {
    await this.db
      .insert(alertsSent)
      .values({ key, kind, title, sentAt: at, resolvedAt: null, suppressed: 0 })
      .onConflictDoUpdate({ target: alertsSent.key, set: { kind, title, sentAt: at, resolvedAt: null, suppressed: 0 } });
  }

  async suppressed(key: string): Promise<void> {
    await this.db.update(alertsSent).set({ suppressed: sql`${alertsSent.suppressed} + 1` }).where(eq(alertsSent.key, key));
  }

  /** Marks every open alert of these kinds resolved and returns them (empty: nothing was open). */
  async resolve(kinds: readonly string[], at: Date): Promise<SentAlert[]> {
    if (!kinds.length) return [];
    return this.db
      .update(alertsSent)
      .set({ resolvedAt: at })
      .where(and(inArray(alertsSent.kind, [...kinds]), isNull(alertsSent.resolvedAt)))
      .returning();
  }
}
