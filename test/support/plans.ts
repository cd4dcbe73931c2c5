// EXPLAIN of a statement as the repository sent it (text with pg's $n parameters, and its values), on plain
// PostgreSQL or on Citus. On Citus the plan that did the work is the one of the shard the coordinator sent
// the statement to, and `router` says whether it was one router query: one Citus plan node, sent to one
// shard, with nothing run first and pulled through the coordinator (no subplans, no INSERT ... SELECT).
import type { Knex } from 'knex';
import pg from 'pg';

export interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Index Cond'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Custom Plan Provider'?: string;
  'Distributed Query'?: { Job: { 'Task Count': number; Tasks: Array<{ 'Remote Plan'?: Array<Array<{ Plan: PlanNode }>> }> } };
  Plans?: PlanNode[];
}

export interface Explained {
  /** The plan of the work on the data: PostgreSQL's, or on Citus the plan of the one shard it ran on. */
  plan: PlanNode;
  /** On Citus, whether it was one router query on one shard; always true on plain PostgreSQL. */
  router: boolean;
  /** The whole plan, as PostgreSQL printed it. */
  raw: PlanNode;
}

export function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** A shard's table and index names end in its shard id (tasks_user_created_102008): the name in the schema is wanted. */
function withoutShardIds(plan: PlanNode): PlanNode {
  const name = plan['Index Name']?.replace(/_\d+$/, '');
  const relation = plan['Relation Name']?.replace(/_\d+$/, '');
  return { ...plan, ...(name ? { 'Index Name': name } : {}), ...(relation ? { 'Relation Name': relation } : {}), Plans: plan.Plans?.map(withoutShardIds) };
}

/** A value as an SQL literal, for the types the repository sends. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return pg.escapeLiteral(value.toISOString());
  if (Array.isArray(value)) return `array[${value.map(literal).join(', ')}]`;
  if (typeof value === 'string') return pg.escapeLiteral(value);
  throw new Error(`No literal for ${typeof value}`);
}

/**
 * The statement with its values written in as literals. (Citus cannot EXPLAIN some statements whose
 * parameters it would pass on to a worker untyped; executing them is another matter.)
 */
function withValues(sql: string, values: readonly unknown[]): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => literal(values[Number(n) - 1]));
}

export async function explain(db: Knex, sql: string, values: readonly unknown[], { analyze = true } = {}): Promise<Explained> {
  const { rows } = await db.raw<{ rows: Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }> }>(
    `explain (${analyze ? 'analyze, ' : ''}format json) ${withValues(sql, values)}`, // no bindings: knex leaves the text alone
  );
  const raw = rows[0]!['QUERY PLAN'][0]!.Plan;
  const text = JSON.stringify(raw);
  const citusNodes = text.match(/"Custom Plan Provider":\s*"Citus[^"]*"/g) ?? [];
  if (citusNodes.length === 0) return { plan: raw, router: true, raw };
  const job = raw['Custom Plan Provider'] === 'Citus Adaptive' ? raw['Distributed Query']?.Job : undefined;
  const remote = job?.Tasks[0]?.['Remote Plan']?.[0]?.[0]?.Plan;
  const router = citusNodes.length === 1 && job?.['Task Count'] === 1 && !/"Subplans"|Distributed Subplan/.test(text) && remote !== undefined;
  return { plan: withoutShardIds(remote ?? raw), router, raw };
}

/** Whether the database is a Citus coordinator: the citus extension is installed. */
export async function onCitus(db: Knex): Promise<boolean> {
  const { rows } = await db.raw<{ rows: unknown[] }>("select 1 from pg_extension where extname = 'citus'");
  return rows.length > 0;
}

/** `count` user ids (from `make`) whose tasks Citus keeps on the same shard as `userId`'s. */
export async function sameShardAs(db: Knex, userId: string, make: () => string, count: number): Promise<string[]> {
  const found: string[] = [];
  while (found.length < count) {
    // Many candidates at a time, in one statement: with n shards, about one candidate in n lands on this one.
    const candidates = Array.from({ length: 64 * (count - found.length) }, make);
    const { rows } = await db.raw<{ rows: Array<{ id: string }> }>(
      `select id from unnest(?::text[]) as id
       where get_shard_id_for_distribution_column('tasks', id) = get_shard_id_for_distribution_column('tasks', ?::text)`,
      [candidates, userId],
    );
    found.push(...rows.map((row) => row.id).slice(0, count - found.length));
  }
  return found;
}
