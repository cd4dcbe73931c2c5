// `npm run db:distribute`: for a database that was migrated before it moved to Citus. The migration that
// distributes the tables by user did nothing then (no citus extension); once `create extension citus` has
// run, this distributes and co-locates them as that migration would. Later migrations run on the
// distributed tables as on plain ones. On plain PostgreSQL it does nothing and says so.
import { distribute } from '../src/db/citus.js';
import { withDatabase } from './with-database.js';

await withDatabase(async (database) => {
  const distributed = await database.schema(distribute);
  console.log(JSON.stringify({ distributed }, null, 2));
  if (distributed.length === 0) console.error('Nothing to distribute: no citus extension in this database, or every table is distributed already.');
});
